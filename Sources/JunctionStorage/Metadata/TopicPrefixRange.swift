/// The key range of the strings that start with a prefix, for an index range scan.
///
/// SQLite compares TEXT with the BINARY collation, i.e. UTF-8 bytes, which orders like Unicode
/// scalars. Every string starting with `prefix` is therefore ≥ `prefix` and < the prefix whose
/// last scalar is replaced by the next scalar (the encodings of two scalars first differ in a
/// byte that orders them, and UTF-8 is prefix-free).
enum TopicPrefixRange {
    /// The smallest string greater than every string that starts with `prefix`, or nil when there
    /// is none (an empty prefix, or one made only of U+10FFFF).
    static func exclusiveUpperBound(of prefix: String) -> String? {
        var scalars = Array(prefix.unicodeScalars)
        while let last = scalars.popLast() {
            if let next = successor(of: last) {
                scalars.append(next)
                var bound = String.UnicodeScalarView()
                bound.append(contentsOf: scalars)
                return String(bound)
            }
        }
        return nil
    }

    private static func successor(of scalar: Unicode.Scalar) -> Unicode.Scalar? {
        var value = scalar.value + 1
        if value == 0xD800 { value = 0xE000 }  // skip the surrogates
        return Unicode.Scalar(value)
    }
}
