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
        let handles = inFlight.lease(ids.map(DeliveryID.init), of: orders, for: .seconds(30), on: loop).map(\.text)
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

    /// A moved message (ChangeMessageVisibility) is deleted from its new lease by its old handle; an emptied
    /// lease goes with its timer; an expired lease's handles are stale whatever queue they are deleted from.
    @Test func movedHandlesDeleteFromTheirNewLeaseAndExpiredOnesAreStale() throws {
        let (broker, orders, other) = try SQSReceiveAttemptsTests.queues()
        defer { withExtendedLifetime(broker) {} }
        let loop = EmbeddedEventLoop()
        let inFlight = SQSInFlight()
        let handles = inFlight.lease([1, 2, 3].map(DeliveryID.init), of: orders, for: .seconds(30), on: loop).map(
            \.text)
        #expect(inFlight.changeVisibility(handles[1], to: .seconds(300), on: loop))
        #expect(inFlight.count == 3)
        #expect(inFlight.delete(handles[1], of: other) == .otherQueue)
        #expect(inFlight.delete(handles[0], of: orders) == .deleted)
        #expect(inFlight.delete(handles[2], of: orders) == .deleted)
        #expect(inFlight.delete(handles[2], of: other) == .stale)
        loop.advanceTime(by: .seconds(30))
        #expect(inFlight.count == 1)
        #expect(inFlight.delete(handles[1], of: orders) == .deleted)
        #expect(inFlight.delete(handles[1], of: orders) == .stale)
        #expect(inFlight.count == 0)
        let late = inFlight.lease([4].map(DeliveryID.init), of: orders, for: .seconds(10), on: loop).map(\.text)
        loop.advanceTime(by: .seconds(10))
        #expect(inFlight.count == 0)
        #expect(inFlight.delete(late[0], of: other) == .stale)
        #expect(inFlight.delete(late[0], of: orders) == .stale)
    }

    /// One timer serves every lease: a later lease with an earlier deadline expires first, each lease at its
    /// own deadline and not before.
    @Test func leasesExpireAtTheirOwnDeadlinesUnderOneTimer() throws {
        let (broker, orders, _) = try SQSReceiveAttemptsTests.queues()
        defer { withExtendedLifetime(broker) {} }
        let loop = EmbeddedEventLoop()
        let inFlight = SQSInFlight()
        _ = inFlight.lease([1, 2].map(DeliveryID.init), of: orders, for: .seconds(30), on: loop)
        _ = inFlight.lease([3].map(DeliveryID.init), of: orders, for: .seconds(10), on: loop)
        _ = inFlight.lease([4, 5, 6].map(DeliveryID.init), of: orders, for: .seconds(20), on: loop)
        loop.advanceTime(by: .seconds(9))
        #expect(inFlight.count == 6)
        loop.advanceTime(by: .seconds(1))
        #expect(inFlight.count == 5)
        loop.advanceTime(by: .seconds(10))
        #expect(inFlight.count == 2)
        loop.advanceTime(by: .milliseconds(9_999))
        #expect(inFlight.count == 2)
        loop.advanceTime(by: .milliseconds(1))
        #expect(inFlight.count == 0)
    }

    /// Leases deleted early leave their deadlines behind; thousands of them (the heap rebuilt from the leases
    /// on the way) neither expire anything nor lose the leases still held.
    @Test func deletedLeasesNeitherExpireNorHideHeldOnes() throws {
        let (broker, orders, _) = try SQSReceiveAttemptsTests.queues()
        defer { withExtendedLifetime(broker) {} }
        let loop = EmbeddedEventLoop()
        let inFlight = SQSInFlight()
        var kept = 0
        for id in 0..<3_000 {
            let handle = inFlight.lease([DeliveryID(UInt64(id))], of: orders, for: .seconds(60), on: loop)[0]
            if id % 500 == 0 {
                kept += 1
            } else {
                #expect(inFlight.delete(handle.text, of: orders) == .deleted)
            }
            loop.advanceTime(by: .milliseconds(1))
        }
        #expect(inFlight.count == kept)
        loop.advanceTime(by: .seconds(56))
        #expect(inFlight.count == kept)
        loop.advanceTime(by: .seconds(4))
        #expect(inFlight.count == 0)
    }

    /// A handle's text reads back as the handle, for every length of lease and delivery; its JSON is the text
    /// quoted; what is not a handle is refused.
    @Test func receiptHandleTextRoundTrips() {
        let leases: [UInt64] = [1, 0xf, 0x10, 0xabc, 0x1234_5678_9abc_def0, UInt64.max]
        let deliveries: [UInt64] = [0, 9, 10, 99, 100, 12_345, UInt64.max]
        for lease in leases {
            for delivery in deliveries {
                let handle = SQSReceiptHandle(lease: lease, delivery: DeliveryID(delivery))
                #expect(handle.text == String(lease, radix: 16) + "-" + String(delivery))
                #expect(handle.text.utf8.count <= SQSReceiptHandle.maximumLength)
                #expect(SQSReceiptHandle(handle.text) == handle)
                var json = ByteBuffer(string: "[")
                handle.writeJSON(into: &json)
                #expect(String(buffer: json) == "[\"" + handle.text + "\"")
            }
        }
        #expect(SQSReceiptHandle("ABC-5") == SQSReceiptHandle(lease: 0xabc, delivery: DeliveryID(5)))
        for bad in ["", "-5", "5-", "5", "x-1", "1-x", "1--1", "11111111111111111-1", "1-18446744073709551616"] {
            #expect(SQSReceiptHandle(bad) == nil, "\(bad)")
        }
    }
}
