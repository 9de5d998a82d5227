import Crypto
import JunctionCore
import JunctionCoreTestSupport
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import JunctionHTTP

/// The SQS listener's connection on an `EmbeddedChannel` (its loop is also the engine loop), driven with
/// raw request bytes: answers written as bytes without NIO's response encoder, pipelined requests held
/// and answered in order, reads held while a request is answered, 400 for what the decoder cannot parse,
/// and the connection headers of HTTP/1.0 and HTTP/1.1.
@Suite("SQS connection")
struct SQSConnectionTests {
    struct GuestKey: SQSCredentialStore {
        func credentials(accessKeyID: String, isLoopback: Bool) -> (user: String, secret: String)? {
            accessKeyID == "guest" ? ("guest", "guest") : nil
        }
    }

    /// Records the reads asked of the channel, in front of everything.
    final class ReadCounter: ChannelOutboundHandler, RemovableChannelHandler {
        typealias OutboundIn = ByteBuffer
        var reads = 0
        func read(context: ChannelHandlerContext) {
            self.reads += 1
            context.read()
        }
    }

    final class Connection {
        let channel = EmbeddedChannel()
        let clock = ManualBrokerClock()
        let broker: Broker
        let reads = ReadCounter()

        init() throws {
            self.broker = Broker(clock: self.clock, logger: Logger(label: "test"))
            try self.broker.grantEverything(to: "guest", tags: ["administrator"])
            let listener = SQSListener(
                configuration: .init(), credentials: GuestKey(), eventLoop: self.channel.eventLoop,
                logger: Logger(label: "test"))
            try self.channel.pipeline.syncOperations.addHandler(self.reads)
            try self.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 4000)).wait()
            try listener.initializeConnection(
                self.channel, broker: self.broker, connectionID: ConnectionID(1), isLoopback: true)
        }

        /// `AmazonSQS.<action>` with `body`, signed with guest's key at the broker's clock.
        func request(_ action: String, _ body: String, version: String = "HTTP/1.1", extra: String = "") -> String {
            let date = "20240101T000000Z"
            var headers: HTTPHeaders = [
                "Host": "localhost", "Content-Type": "application/x-amz-json-1.0", "X-Amz-Date": date,
                "X-Amz-Target": "AmazonSQS.\(action)",
            ]
            let credential = SQSSignatureV4.Credential(
                accessKeyID: "guest", date: "20240101", region: "us-east-1", service: "sqs",
                signedHeaders: ["content-type", "host", "x-amz-date", "x-amz-target"], signature: "")
            let prepared = SQSSignatureV4.prepare(
                method: "POST", target: "/", headers: headers, body: Array(body.utf8), credential: credential)
            let mac = HMAC<SHA256>.authenticationCode(
                for: prepared.stringToSign, using: SQSSignatureV4.signingKey(credential, secret: "guest"))
            headers.add(
                name: "Authorization",
                value: "AWS4-HMAC-SHA256 Credential=guest/20240101/us-east-1/sqs/aws4_request, "
                    + "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=\(SQSSignatureV4.hex(mac))")
            var text = "POST / \(version)\r\n"
            for (name, value) in headers { text += "\(name): \(value)\r\n" }
            return text + "\(extra)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
        }

        func send(_ text: String) throws {
            try self.channel.writeInbound(ByteBuffer(string: text))
        }

        /// Everything written so far, split into responses by their `Content-Length`.
        func responses() throws -> [HTTPHarness.Response] {
            var text = ""
            while let buffer = try self.channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
            var responses: [HTTPHarness.Response] = []
            var rest = Substring(text)
            while let split = rest.firstRange(of: "\r\n\r\n") {
                let lines = rest[..<split.lowerBound].split(separator: "\r\n")
                var headers: [String: String] = [:]
                for line in lines.dropFirst() {
                    let parts = line.split(separator: ":", maxSplits: 1)
                    headers[parts[0].lowercased()] = parts.count > 1 ? parts[1].trimmedOfSpaces() : ""
                }
                let length = Int(headers["content-length"] ?? "") ?? 0
                let body = rest[split.upperBound...].utf8.prefix(length)
                responses.append(
                    .init(
                        status: Int(lines[0].split(separator: " ")[1]) ?? 0, headers: headers,
                        body: String(decoding: body, as: UTF8.self)))
                #expect(body.count == length)
                rest = Substring(rest[split.upperBound...].utf8.dropFirst(length))
                headers["status-line"] = String(lines[0])
                responses[responses.count - 1].headers = headers
            }
            #expect(rest.isEmpty)
            return responses
        }

        func createQueue(_ name: String) throws -> String {
            try self.send(self.request("CreateQueue", #"{"QueueName":"\#(name)"}"#))
            let created = try #require(try self.responses().first)
            #expect(created.status == 200)
            return try #require(created.json?["QueueUrl"]?.stringValue)
        }
    }

    @Test func pipelinedRequestsWaitForALongPollAndAreAnsweredInOrder() throws {
        let connection = try Connection()
        let url = try connection.createQueue("held")
        // A long poll and, in the same bytes, a request behind it.
        try connection.send(
            connection.request("ReceiveMessage", #"{"QueueUrl":"\#(url)","WaitTimeSeconds":5}"#)
                + connection.request("GetQueueUrl", #"{"QueueName":"held"}"#))
        #expect(try connection.responses().isEmpty)
        // Reads are held while the poll waits.
        let readsBefore = connection.reads.reads
        connection.channel.read()
        #expect(connection.reads.reads == readsBefore)
        connection.channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        let answers = try connection.responses()
        #expect(answers.map(\.status) == [200, 200])
        #expect(answers.first?.json?["Messages"] == nil)
        #expect(answers.last?.json?["QueueUrl"]?.stringValue == url)
        // Both answered: the held read is made.
        #expect(connection.reads.reads == readsBefore + 1)
        #expect(connection.channel.isActive)
    }

    @Test func aSendWakesTheLongPollAndTheHeldRequestFollows() throws {
        let connection = try Connection()
        let url = try connection.createQueue("woken")
        try connection.send(
            connection.request("ReceiveMessage", #"{"QueueUrl":"\#(url)","WaitTimeSeconds":20}"#)
                + connection.request("SendMessage", #"{"QueueUrl":"\#(url)","MessageBody":"late"}"#))
        // The send is held behind the poll, so nothing wakes it until the poll ends.
        #expect(try connection.responses().isEmpty)
        connection.channel.embeddedEventLoop.advanceTime(by: .seconds(20))
        let answers = try connection.responses()
        #expect(answers.map(\.status) == [200, 200])
        #expect(answers.last?.json?["MD5OfMessageBody"]?.stringValue == self.md5("late"))
        try connection.send(connection.request("ReceiveMessage", #"{"QueueUrl":"\#(url)"}"#))
        let received = try #require(try connection.responses().first)
        #expect(received.json?["Messages"]?.arrayValue?.first?["Body"]?.stringValue == "late")
    }

    /// A large answer (a received message over the inline size) goes out as head and body buffers; its
    /// length is right and the next request is answered after it.
    @Test func largeAnswersCarryTheirLength() throws {
        let connection = try Connection()
        let url = try connection.createQueue("large")
        let body = String(repeating: "x", count: 3 * SQSConnectionHandler.inlineBodyBytes)
        try connection.send(connection.request("SendMessage", #"{"QueueUrl":"\#(url)","MessageBody":"\#(body)"}"#))
        #expect(try connection.responses().first?.status == 200)
        try connection.send(
            connection.request("ReceiveMessage", #"{"QueueUrl":"\#(url)"}"#)
                + connection.request("GetQueueUrl", #"{"QueueName":"large"}"#))
        let answers = try connection.responses()
        #expect(answers.count == 2)
        #expect(answers.first?.json?["Messages"]?.arrayValue?.first?["Body"]?.stringValue == body)
        #expect(answers.last?.json?["QueueUrl"]?.stringValue == url)
    }

    @Test func whatTheDecoderCannotParseGets400AndTheConnectionCloses() throws {
        let connection = try Connection()
        try connection.send("NOT HTTP AT ALL\r\n\r\n")
        let answers = try connection.responses()
        #expect(answers.map(\.status) == [400])
        #expect(answers.first?.headers["connection"] == "close")
        connection.channel.embeddedEventLoop.run()
        #expect(!connection.channel.isActive)
    }

    @Test func connectionCloseIsAnsweredThenClosedAndNothingAfterIsRead() throws {
        let connection = try Connection()
        try connection.send(
            connection.request("ListQueues", "{}", extra: "Connection: close\r\n")
                + connection.request("ListQueues", "{}"))
        let answers = try connection.responses()
        #expect(answers.map(\.status) == [200])
        #expect(answers.first?.headers["connection"] == "close")
        connection.channel.embeddedEventLoop.run()
        #expect(!connection.channel.isActive)
    }

    @Test func http10GetsItsConnectionHeaders() throws {
        let connection = try Connection()
        try connection.send(
            connection.request("ListQueues", "{}", version: "HTTP/1.0", extra: "Connection: keep-alive\r\n"))
        let kept = try #require(try connection.responses().first)
        #expect(kept.headers["status-line"]?.hasPrefix("HTTP/1.0 200") == true)
        #expect(kept.headers["connection"] == "keep-alive")
        #expect(connection.channel.isActive)
        try connection.send(connection.request("ListQueues", "{}", version: "HTTP/1.0"))
        let closed = try #require(try connection.responses().first)
        #expect(closed.headers["connection"] == "close")
        connection.channel.embeddedEventLoop.run()
        #expect(!connection.channel.isActive)
    }

    @Test func refusalsWithoutTheEngineAreWrittenTooAndKeepTheConnection() throws {
        let connection = try Connection()
        try connection.send(
            "POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: AmazonSQS.ListQueues\r\n"
                + "Content-Type: application/x-amz-json-1.0\r\nContent-Length: 2\r\n\r\n{}")
        let answers = try connection.responses()
        #expect(answers.map(\.status) == [403])
        #expect(answers.first?.headers["x-amzn-query-error"] == "MissingAuthenticationToken;Sender")
        #expect(answers.first?.headers["content-type"] == "application/x-amz-json-1.0")
        #expect(connection.channel.isActive)
    }

    @Test func headBytesAreTheStatusLineTheResponsesHeadersAndFraming() {
        var buffer = ByteBuffer()
        let response = HTTPResponse(
            status: .notFound,
            headers: ["Content-Type": "text/xml", "content-length": "999", "x-amzn-RequestId": "r", "Server": "other"],
            body: ByteBuffer(string: "abc"))
        HTTPResponseHeadBytes.write(
            response, version: .http1_1, keepAlive: true, contentLength: 3, into: &buffer)
        #expect(
            String(buffer: buffer)
                == "HTTP/1.1 404 Not Found\r\nContent-Type: text/xml\r\nx-amzn-RequestId: r\r\n"
                + "Content-Length: 3\r\nServer: Junction\r\n\r\n")
        buffer.clear()
        HTTPResponseHeadBytes.write(
            HTTPResponse(status: .ok), version: .http1_1, keepAlive: false, contentLength: 0, into: &buffer)
        #expect(
            String(buffer: buffer)
                == "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nServer: Junction\r\nConnection: close\r\n\r\n")
        #expect(
            String(buffer: HTTPResponseHeadBytes.refusal(.requestTimeout))
                == "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nServer: Junction\r\nConnection: close\r\n\r\n")
        #expect(HTTPResponseHeadBytes.isFraming("Transfer-Encoding"))
        #expect(HTTPResponseHeadBytes.isFraming("CONNECTION"))
        #expect(!HTTPResponseHeadBytes.isFraming("Content-Type"))
    }

    private func md5(_ text: String) -> String { SQSSignatureV4.hex(Insecure.MD5.hash(data: Array(text.utf8))) }
}
