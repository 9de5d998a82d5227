/// The JSON bodies of the load generator's steady-state SQS calls, written straight into bytes: with
/// Foundation's `JSONSerialization` (dictionaries of `Any`) the client spent about two thirds of its CPU
/// encoding SendMessageBatch, more than the broker spent serving it.
enum SQSBenchJSON {
    /// `{"QueueUrl":…,"Entries":[{"Id":"0",<field>:…},…]}`.
    static func batch(queueURL: String, field: String, values: [String]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(64 + values.reduce(0) { $0 + $1.utf8.count + field.utf8.count + 20 })
        output.append(contentsOf: #"{"QueueUrl":"#.utf8)
        Self.string(queueURL, into: &output)
        output.append(contentsOf: #","Entries":["#.utf8)
        for (number, value) in values.enumerated() {
            if number > 0 { output.append(UInt8(ascii: ",")) }
            output.append(contentsOf: #"{"Id":""#.utf8)
            output.append(contentsOf: String(number).utf8)
            output.append(contentsOf: #"",""#.utf8)
            output.append(contentsOf: field.utf8)
            output.append(contentsOf: #"":"#.utf8)
            Self.string(value, into: &output)
            output.append(UInt8(ascii: "}"))
        }
        output.append(contentsOf: "]}".utf8)
        return output
    }

    /// `{"QueueUrl":…,"MaxNumberOfMessages":n,"WaitTimeSeconds":s}`.
    static func receive(queueURL: String, maximum: Int, waitSeconds: Int) -> [UInt8] {
        var output: [UInt8] = Array(#"{"QueueUrl":"#.utf8)
        Self.string(queueURL, into: &output)
        output.append(contentsOf: #","MaxNumberOfMessages":\#(maximum),"WaitTimeSeconds":\#(waitSeconds)}"#.utf8)
        return output
    }

    /// A JSON string: quotes, backslashes and control characters escaped.
    static func string(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                output.append(UInt8(ascii: "\\"))
                output.append(byte)
            case 0..<0x20:
                let digits = Array("0123456789abcdef".utf8)
                output.append(contentsOf: #"\u00"#.utf8)
                output.append(digits[Int(byte >> 4)])
                output.append(digits[Int(byte & 15)])
            default:
                output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
