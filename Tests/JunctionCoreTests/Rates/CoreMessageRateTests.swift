import JunctionCore
import JunctionCoreTestSupport
import Testing

@Suite struct CoreMessageRateTests {
    @Test func ringKeepsTheNewestSamplesOldestFirst() {
        var ring = SampleRing<Int>(capacity: 3)
        #expect(ring.elements.isEmpty)
        #expect(ring.newestPair == nil)
        ring.append(1)
        #expect(ring.newestPair == nil)
        ring.append(2)
        #expect(ring.newestPair.map { [$0.older, $0.newer] } == [1, 2])
        for value in 3...7 { ring.append(value) }
        #expect(ring.count == 3)
        #expect(ring.elements == [5, 6, 7])
        #expect(ring.newestPair.map { [$0.older, $0.newer] } == [6, 7])
        ring.append(8)
        #expect(ring.elements == [6, 7, 8])
    }

    @Test func rateIsTheDifferenceOverTheElapsedSeconds() {
        let older = CounterSample(milliseconds: 10_000, counts: QueueMessageCounts(publish: 100, deliverGet: 40))
        let newer = CounterSample(
            milliseconds: 15_000, counts: QueueMessageCounts(publish: 600, deliverGet: 40, ack: 25, redeliver: 0))
        // 500 publishes in 5 s; nothing delivered; 25 acks.
        #expect(newer.rates(since: older) == [100, 0, 5, 0])
    }

    @Test func counterThatWentDownOrNoElapsedTimeGivesZero() {
        let older = CounterSample(milliseconds: 5_000, counts: ExchangeMessageCounts(publishIn: 10, publishOut: 8))
        let lower = CounterSample(milliseconds: 6_000, counts: ExchangeMessageCounts(publishIn: 9, publishOut: 10))
        #expect(lower.rates(since: older) == [0, 2])
        let sameTime = CounterSample(milliseconds: 5_000, counts: ExchangeMessageCounts(publishIn: 50, publishOut: 50))
        #expect(sameTime.rates(since: older) == [0, 0])
    }

    @Test func ringRatesUseTheTwoNewestSamples() {
        var ring = SampleRing<CounterSample<ExchangeMessageCounts>>(capacity: 2)
        #expect(ring.rates() == [0, 0])
        ring.append(CounterSample(milliseconds: 0, counts: ExchangeMessageCounts(publishIn: 0, publishOut: 0)))
        ring.append(CounterSample(milliseconds: 2_000, counts: ExchangeMessageCounts(publishIn: 10, publishOut: 4)))
        #expect(ring.rates() == [5, 2])
        ring.append(CounterSample(milliseconds: 4_000, counts: ExchangeMessageCounts(publishIn: 10, publishOut: 8)))
        #expect(ring.rates() == [0, 2])
    }

    @Test func brokerSamplesQueueExchangeAndOverviewCounters() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("orders")
        try fixture.bind("orders", "amq.direct", "o")
        fixture.clock.set(milliseconds: 1_000_000)
        fixture.broker.sampleMessageRates()
        for _ in 0..<20 { try fixture.publish("amq.direct", "o", "m") }
        try fixture.publish("amq.direct", "nowhere", "lost")
        for _ in 0..<5 { _ = try fixture.get("orders", noAck: true) }
        fixture.clock.set(milliseconds: 1_005_000)
        fixture.broker.sampleMessageRates()

        let rates = fixture.broker.messageRates
        // 20 accepted and 5 got in 5 s.
        #expect(rates.queueRates(vhost: "/", name: "orders") == [4, 1, 0, 0])
        // 21 published to amq.direct, 20 routed.
        #expect(rates.exchangeRates(vhost: "/", name: "amq.direct") == [4.2, 4])
        // The overview counts every publish to the host, routed or not.
        #expect(rates.overviewRates == [4.2, 1, 0, 0])
        let newest = try #require(rates.overview.elements.last)
        #expect(newest.messagesReady == 15)
        #expect(rates.overview.count == 2)
        #expect(fixture.vhost.exchange(named: "amq.direct")?.publishedIn == 21)
        #expect(fixture.vhost.exchange(named: "amq.direct")?.publishedOut == 20)
    }

    @Test func deletedQueueIsForgottenAtTheNextSample() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("gone")
        fixture.clock.set(milliseconds: 1_000)
        fixture.broker.sampleMessageRates()
        for _ in 0..<10 { try fixture.publish("", "gone", "m") }
        fixture.clock.set(milliseconds: 2_000)
        fixture.broker.sampleMessageRates()
        #expect(fixture.broker.messageRates.queueRates(vhost: "/", name: "gone")[0] == 10)
        _ = try fixture.vhost.deleteQueue("gone", ifUnused: false, ifEmpty: false, owner: CoreFixture.owner)
        fixture.clock.set(milliseconds: 3_000)
        fixture.broker.sampleMessageRates()
        try fixture.declareQueue("gone")
        #expect(fixture.broker.messageRates.queueRates(vhost: "/", name: "gone") == [0, 0, 0, 0])
    }
}
