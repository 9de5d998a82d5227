import JunctionCoreTestSupport
import JunctionTransport
import Testing

@Suite struct TransportPublisherGateTests {
    @Test func aConsumerIsNeverHeldBack() {
        var gate = PublisherGate()
        #expect(gate.alarmRaised(reason: "low on memory") == .none)
        #expect(gate.alarmCleared() == .none)
        #expect(!gate.isReadingPaused)
    }

    @Test func aPublisherPausesWhileTheAlarmLastsAndResumesOnce() {
        var gate = PublisherGate()
        #expect(gate.publishReceived() == .none)
        #expect(gate.alarmRaised(reason: "low on disk space") == .pauseReading)
        #expect(gate.alarmReason == "low on disk space")
        #expect(gate.alarmRaised(reason: "low on memory") == .none)
        #expect(gate.publishReceived() == .none)
        #expect(gate.alarmCleared() == .resumeReading)
        #expect(gate.alarmCleared() == .none)
        #expect(!gate.isReadingPaused)
    }

    @Test func aConnectionThatFirstPublishesDuringAnAlarmPausesThen() {
        var gate = PublisherGate()
        #expect(gate.alarmRaised(reason: "low on memory") == .none)
        #expect(gate.publishReceived() == .pauseReading)
        #expect(gate.isReadingPaused)
        #expect(gate.alarmCleared() == .resumeReading)
    }
}
