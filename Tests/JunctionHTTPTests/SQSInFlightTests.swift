import JunctionCore
import NIOCore
import NIOEmbedded
import Testing

@testable import JunctionHTTP

/// Receipt handles: `<lease in hex>-<delivery in decimal>`, written as bytes; each deletes its own message once.
@Suite("SQS in-flight messages")
struct SQSInFlightTests {
    @Test func handlesNameTheirDeliveriesAndDeleteThemOnce() throws {
        let (broker, orders, other) = try SQSReceiveAttemptsTests.queues()
        defer { withExtendedLifetime(broker) {} }
        let loop = EmbeddedEventLoop()
        let inFlight = SQSInFlight()
        let ids: [UInt64] = [0, 7, 9, 10, 99, 100, 12_345, UInt64.max]
        let handles = inFlight.lease(ids.map(DeliveryID.init), of: orders, for: .seconds(30), on: loop)
        #expect(handles.count == ids.count)
        let lease = try #require(handles.first?.split(separator: "-").first)
        #expect(UInt64(lease, radix: 16) != nil)
        for (handle, id) in zip(handles, ids) { #expect(handle == "\(lease)-\(id)") }
        #expect(inFlight.count == ids.count)
        #expect(inFlight.delete(handles[1], of: other) == .otherQueue)
        // Every delete takes one message and leaves the others in flight.
        for (number, handle) in handles.enumerated() {
            guard case .found = inFlight.lookup(handle) else {
                Issue.record("\(handle) is not in flight")
                continue
            }
            #expect(inFlight.delete(handle, of: orders) == .deleted)
            #expect(inFlight.delete(handle, of: orders) == .stale)
            #expect(inFlight.count == ids.count - number - 1)
        }
        #expect(inFlight.delete("\(lease)-x", of: orders) == .malformed)
        #expect(inFlight.delete("-5", of: orders) == .malformed)
    }
}
