import Testing

@testable import JunctionHTTP

@Suite("HTTP paths and routes")
struct HTTPPathTests {
    @Test func percentDecodesEachSegmentSoTheDefaultVhostStaysOneSegment() throws {
        let path = try #require(HTTPPath(target: "/api/queues/%2F/orders%20eu"))
        #expect(path.segments == ["api", "queues", "/", "orders eu"])
        #expect(HTTPRoute(path: path.segments) == .queue(vhost: "/", name: "orders eu"))
    }

    @Test func parsesQueryWithPlusAsSpace() throws {
        let path = try #require(
            HTTPPath(target: "/api/v1/exchanges/%2F/orders/messages?routing_key=order.created&x=a+b%21"))
        #expect(path.query == ["routing_key": "order.created", "x": "a b!"])
        #expect(HTTPRoute(path: path.segments) == .rawPublish(vhost: "/", exchange: "orders"))
    }

    @Test func rejectsMalformedEscapesAndRelativeTargets() {
        #expect(HTTPPath(target: "/api/queues/%2") == nil)
        #expect(HTTPPath(target: "/api/queues/%zz") == nil)
        #expect(HTTPPath(target: "/api/queues/%FF") == nil)
        #expect(HTTPPath(target: "api/queues") == nil)
    }

    @Test func trailingSlashIsIgnored() throws {
        let path = try #require(HTTPPath(target: "/api/queues/"))
        #expect(HTTPRoute(path: path.segments) == .queues(vhost: nil))
    }

    @Test(arguments: [
        ("/", HTTPRoute.dashboard),
        ("/demo", .demo),
        ("/metrics", .metrics),
        ("/api/overview", .overview),
        ("/api/vhosts/%2F", .vhost("/")),
        ("/api/exchanges/%2F/amq.default", .exchange(vhost: "/", name: "")),
        ("/api/exchanges/%2F/amq.default/publish", .publish(vhost: "/", exchange: "")),
        ("/api/queues/%2F/q/contents", .queueContents(vhost: "/", name: "q")),
        ("/api/queues/%2F/q/get", .queueGet(vhost: "/", name: "q")),
        (
            "/api/bindings/%2F/e/x/q/q",
            .bindingsBetween(vhost: "/", source: "x", destinationKind: .queue, destination: "q")
        ),
        (
            "/api/bindings/%2F/e/x/e/y/~",
            .binding(vhost: "/", source: "x", destinationKind: .exchange, destination: "y", propertiesKey: "~")
        ),
        ("/api/health/checks/alarms", .alarmsHealthCheck),
        ("/api/aliveness-test/%2F", .alivenessTest(vhost: "/")),
        ("/api/v1/queues/%2F/jobs/messages", .messages(vhost: "/", queue: "jobs")),
        ("/api/v1/receipts/ab-1", .receipt("ab-1")),
    ])
    func resolvesRoutes(target: String, expected: HTTPRoute) throws {
        let path = try #require(HTTPPath(target: target))
        #expect(HTTPRoute(path: path.segments) == expected)
    }

    @Test(arguments: ["/api", "/api/queues/a/b/c/d", "/api/bindings/%2F/x/a/q/b", "/api/nothing", "/favicon.ico"])
    func unknownShapesHaveNoRoute(target: String) throws {
        let path = try #require(HTTPPath(target: target))
        #expect(HTTPRoute(path: path.segments) == nil)
    }
}
