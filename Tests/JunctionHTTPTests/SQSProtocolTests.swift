import NIOCore
import NIOHTTP1
import Testing

@testable import JunctionHTTP

@Suite("SQS wire protocol")
struct SQSProtocolTests {
    /// AWS's SigV4 test suite, case `get-vanilla` (secret `wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY`).
    @Test func signatureV4MatchesAWSTestSuiteVector() throws {
        let headers: HTTPHeaders = [
            "Host": "example.amazonaws.com", "X-Amz-Date": "20150830T123600Z",
            "Authorization":
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                + "SignedHeaders=host;x-amz-date, "
                + "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        ]
        let credential = try SQSSignatureV4.credential(from: headers)
        #expect(credential.accessKeyID == "AKIDEXAMPLE")
        #expect(credential.region == "us-east-1")
        let signedAt = try #require(SQSSignatureV4.unixTime("20150830T123600Z"))
        #expect(signedAt == 1_440_938_160)
        try SQSSignatureV4.verify(
            method: "GET", target: "/", headers: headers, body: [UInt8](), credential: credential,
            secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", nowSeconds: signedAt + 60)
        #expect(throws: SQSSignatureV4.Failure.mismatch) {
            try SQSSignatureV4.verify(
                method: "GET", target: "/", headers: headers, body: [UInt8](), credential: credential,
                secret: "wrong", nowSeconds: signedAt)
        }
        #expect(throws: SQSSignatureV4.Failure.expired) {
            try SQSSignatureV4.verify(
                method: "GET", target: "/", headers: headers, body: [UInt8](), credential: credential,
                secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", nowSeconds: signedAt + 16 * 60)
        }
        // The body is signed: a changed body no longer matches.
        #expect(throws: SQSSignatureV4.Failure.mismatch) {
            try SQSSignatureV4.verify(
                method: "GET", target: "/", headers: headers, body: Array("x".utf8), credential: credential,
                secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", nowSeconds: signedAt)
        }
    }

    @Test func malformedAuthorizationIsRefused() {
        #expect(throws: SQSSignatureV4.Failure.missing) { try SQSSignatureV4.credential(from: [:]) }
        #expect(throws: SQSSignatureV4.Failure.self) {
            try SQSSignatureV4.credential(from: ["Authorization": "AWS4-HMAC-SHA256 Credential=a/b"])
        }
        #expect(throws: SQSSignatureV4.Failure.self) {
            try SQSSignatureV4.credential(from: ["Authorization": "Basic Z3Vlc3Q6Z3Vlc3Q="])
        }
        #expect(SQSSignatureV4.unixTime("20151330T123600Z") == nil)
        #expect(SQSSignatureV4.unixTime("garbage") == nil)
    }

    /// The expected digest is moto's (`moto.sqs.models.Message.attribute_md5`, moto 5.2.1) for the same attributes.
    @Test func messageAttributeDigestMatchesAnIndependentImplementation() throws {
        let attributes = try SQSMessageAttribute.parse(
            .object([
                ("text", .object([("DataType", .string("String")), ("StringValue", .string("héllo"))])),
                ("count", .object([("DataType", .string("Number")), ("StringValue", .string("42"))])),
                ("blob", .object([("DataType", .string("Binary")), ("BinaryValue", .string("AAH/"))])),
            ]))
        #expect(SQSMessageAttribute.md5(attributes) == "6f2a29e451523ab0ac47784e73311e33")
        #expect(SQSMessageAttribute.md5Hex("body".utf8) == "841a2d689ad86bd1611447453c22c6fc")
    }

    @Test func attributesRoundTripThroughHeaders() throws {
        let attributes = try SQSMessageAttribute.parse(
            .object([
                ("a", .object([("DataType", .string("String")), ("StringValue", .string("x"))])),
                ("n", .object([("DataType", .string("Number.int")), ("StringValue", .string("7"))])),
                ("b", .object([("DataType", .string("Binary")), ("BinaryValue", .string("AQI="))])),
            ]))
        let back = SQSMessageAttribute.attributes(of: SQSMessageAttribute.headers(attributes))
        #expect(back.map(\.0) == ["a", "b", "n"])
        #expect(back.map(\.1) == attributes.sorted { $0.0 < $1.0 }.map(\.1))
    }

    @Test func badAttributesAreRefused() {
        for bad: JSONValue in [
            .object([("n", .object([("DataType", .string("Number")), ("StringValue", .string("abc"))]))]),
            .object([("n", .object([("DataType", .string("Date")), ("StringValue", .string("x"))]))]),
            .object([("AWS.x", .object([("DataType", .string("String")), ("StringValue", .string("x"))]))]),
            .object([("b", .object([("DataType", .string("Binary")), ("BinaryValue", .string("!!"))]))]),
        ] {
            #expect(throws: SQSError.self) { try SQSMessageAttribute.parse(bad) }
        }
        #expect(!SQSMessageAttribute.isValidBody(ByteBuffer(string: "\u{1}")))
        #expect(SQSMessageAttribute.isValidBody(ByteBuffer(string: "ok ✓\n")))
    }

    @Test func queryParametersFoldIntoTheJSONShape() throws {
        let request = try SQSRequest.decode(
            method: .POST, target: "/", headers: [:],
            body: ByteBuffer(
                string: "Action=SendMessageBatch&QueueUrl=http%3A%2F%2Fh%2F0%2Fq"
                    + "&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=one+two"
                    + "&SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.2.MessageBody=x"
                    + "&SendMessageBatchRequestEntry.2.MessageAttribute.1.Name=k"
                    + "&SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.DataType=String"
                    + "&SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.StringValue=v"
                    + "&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=5&AttributeName.1=All"))
        #expect(request.action == "SendMessageBatch")
        #expect(request.wireProtocol == .query)
        let parameters = request.parameters
        #expect(parameters["QueueUrl"] == .string("http://h/0/q"))
        // The entries travel as sends, their bodies as bytes.
        #expect(parameters["Entries"] == nil)
        let entries = request.sends
        #expect(entries.map(\.id) == ["a", "b"])
        #expect(entries.first?.body == ByteBuffer(string: "one two"))
        #expect(entries.last?.parameters["MessageAttributes"]?["k"]?["StringValue"] == .string("v"))
        #expect(parameters["Attributes"]?["VisibilityTimeout"] == .string("5"))
        #expect(parameters["AttributeNames"] == .array([.string("All")]))
    }

    @Test func jsonRequestsNeedAnSQSTarget() throws {
        let request = try SQSRequest.decode(
            method: .POST, target: "/", headers: ["X-Amz-Target": "AmazonSQS.ListQueues"],
            body: ByteBuffer(string: "{\"QueueNamePrefix\":\"a\"}"))
        #expect(request.action == "ListQueues")
        #expect(request.wireProtocol == .json)
        #expect(throws: SQSError.self) {
            try SQSRequest.decode(
                method: .POST, target: "/", headers: ["X-Amz-Target": "AmazonSQS.ListQueues"],
                body: ByteBuffer(string: "[1"))
        }
        #expect(throws: SQSError.self) {
            try SQSRequest.decode(method: .POST, target: "/", headers: [:], body: ByteBuffer(string: "QueueName=a"))
        }
    }

    @Test func queryAnswersUseAWSElementNames() {
        let result = JSONValue.object([
            ("QueueUrls", .array([.string("u1"), .string("u<2>")])),
            ("Attributes", .object([("VisibilityTimeout", .string("30"))])),
        ])
        let response = SQSResponse.success("ListQueues", result, protocol: .query, requestID: "r")
        let text = String(buffer: response.body)
        #expect(text.contains("<ListQueuesResult><QueueUrl>u1</QueueUrl><QueueUrl>u&lt;2&gt;</QueueUrl>"))
        #expect(text.contains("<Attribute><Name>VisibilityTimeout</Name><Value>30</Value></Attribute>"))
        #expect(text.contains("<RequestId>r</RequestId>"))
        let failure = SQSResponse.failure(.nonExistentQueue("q"), protocol: .json, requestID: "r")
        #expect(failure.status == .badRequest)
        #expect(failure.headers.first(name: "x-amzn-query-error") == "AWS.SimpleQueueService.NonExistentQueue;Sender")
        #expect(String(buffer: failure.body).contains("com.amazonaws.sqs#QueueDoesNotExist"))
    }
}
