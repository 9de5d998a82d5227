import FuzzSupport
import JunctionHTTP

/// The input is an HTTP API body: the JSON parser must refuse or parse it within its depth limit, and what it
/// parses serializes to JSON that parses back to an equal value and serializes to the same text.
@main
enum FuzzJSON {
    static func main() {
        FuzzDriver.run { data, count in
            let bytes = Array(UnsafeBufferPointer(start: data, count: count))
            guard let value = try? JSONParser.parse(bytes) else { return 0 }
            let text = value.serialized
            let again: JSONValue
            do {
                again = try JSONParser.parse(Array(text.utf8))
            } catch {
                fuzzCheck(false, "serialized \(value) does not parse: \(error): \(text)")
                return 0
            }
            fuzzCheck(
                again.serialized == text, "\(text) serializes differently after a round trip: \(again.serialized)")
            return 0
        }
    }
}
