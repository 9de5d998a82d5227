import JunctionModel
import NIOCore
import NIOHTTP1

/// Answers in the caller's wire protocol: a JSON object (`application/x-amz-json-1.0`) or the query
/// protocol's XML document, which this type derives from the same result using AWS's element names
/// (`QueueUrls` → repeated `<QueueUrl>`, attribute maps → `<Attribute><Name/><Value/></Attribute>`, …).
enum SQSResponse {
    static let namespace = "http://queue.amazonaws.com/doc/2012-11-05/"

    static func success(
        _ action: String, _ result: JSONValue, protocol wire: SQSRequest.WireProtocol, requestID: String
    )
        -> HTTPResponse
    {
        switch wire {
        case .json:
            return HTTPResponse(
                status: .ok, headers: ["Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": requestID],
                body: result.serializedBuffer)
        case .query:
            var xml = "<?xml version=\"1.0\"?><\(action)Response xmlns=\"\(Self.namespace)\">"
            let members = result.sqsMembers
            // Actions without a result (DeleteMessage, …) answer with the response metadata alone, as AWS does.
            if !members.isEmpty {
                xml += "<\(action)Result>"
                for (name, value) in members { xml += Self.element(name, value, action: action) }
                xml += "</\(action)Result>"
            }
            xml += "<ResponseMetadata><RequestId>\(requestID)</RequestId></ResponseMetadata></\(action)Response>"
            return HTTPResponse(
                status: .ok, headers: ["Content-Type": "text/xml", "x-amzn-RequestId": requestID],
                body: ByteBuffer(string: xml))
        }
    }

    static func failure(_ error: SQSError, protocol wire: SQSRequest.WireProtocol, requestID: String) -> HTTPResponse {
        let fault = error.isSenderFault ? "Sender" : "Receiver"
        switch wire {
        case .json:
            let body = JSONValue.object([
                ("__type", .string("com.amazonaws.sqs#\(error.jsonType)")), ("message", .string(error.message)),
            ])
            return HTTPResponse(
                status: error.status,
                headers: [
                    "Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": requestID,
                    // boto3 (awsQueryCompatible) reports this code, the same as the query protocol's.
                    "x-amzn-query-error": "\(error.code);\(fault)",
                ],
                body: body.serializedBuffer)
        case .query:
            let xml =
                "<?xml version=\"1.0\"?><ErrorResponse xmlns=\"\(Self.namespace)\"><Error><Type>\(fault)</Type>"
                + "<Code>\(Self.escape(error.code))</Code><Message>\(Self.escape(error.message))</Message><Detail/>"
                + "</Error><RequestId>\(requestID)</RequestId></ErrorResponse>"
            return HTTPResponse(
                status: error.status, headers: ["Content-Type": "text/xml", "x-amzn-RequestId": requestID],
                body: ByteBuffer(string: xml))
        }
    }

    /// One result member as XML; lists repeat their member element, maps become name/value entries.
    static func element(_ name: String, _ value: JSONValue, action: String) -> String {
        switch (name, value) {
        case ("Attributes", .object(let entries)):
            return entries.map {
                "<Attribute><Name>\(Self.escape($0.0))</Name><Value>\(Self.escape($0.1.sqsText))</Value></Attribute>"
            }
            .joined()
        case ("Tags", .object(let entries)):
            return entries.map {
                "<Tag><Key>\(Self.escape($0.0))</Key><Value>\(Self.escape($0.1.sqsText))</Value></Tag>"
            }
            .joined()
        case ("MessageAttributes", .object(let entries)):
            return entries.map { attribute in
                var value = ""
                for (field, content) in attribute.1.sqsMembers {
                    value += "<\(field)>\(Self.escape(content.sqsText))</\(field)>"
                }
                return
                    "<MessageAttribute><Name>\(Self.escape(attribute.0))</Name><Value>\(value)</Value></MessageAttribute>"
            }.joined()
        case (_, .array(let items)):
            let member: String
            switch name {
            case "QueueUrls", "queueUrls": member = "QueueUrl"
            case "Messages": member = "Message"
            case "Successful": member = "\(action)ResultEntry"
            case "Failed": member = "BatchResultErrorEntry"
            default: member = String(name.dropLast(name.hasSuffix("s") ? 1 : 0))
            }
            return items.map { Self.element(member, $0, action: action) }.joined()
        case (_, .object(let members)):
            return "<\(name)>" + members.map { Self.element($0.0, $0.1, action: action) }.joined() + "</\(name)>"
        default:
            return "<\(name)>\(Self.escape(value.sqsText))</\(name)>"
        }
    }

    static func escape(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "\r": output += "&#xD;"
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output
    }
}
