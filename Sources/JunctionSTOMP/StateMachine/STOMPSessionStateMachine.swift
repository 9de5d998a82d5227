public import JunctionSTOMPCodec

/// One STOMP session without I/O: frames, heart-beat ticks and login results in, actions out.
/// It negotiates the version and heart-beats, validates every frame's required headers, keeps the
/// subscriptions' ack modes and buffers transactions until COMMIT (STOMP 1.2 "Client Frames").
public struct STOMPSessionStateMachine<C: Clock>: Sendable where C.Duration == Duration, C: Sendable {
    /// Heart-beat intervals the server offers (the `sx,sy` of STOMP 1.2 "Heart-beating"); 0 = cannot.
    public struct HeartbeatOffer: Sendable, Hashable {
        public var sendEvery: Duration
        public var expectEvery: Duration

        public init(sendEvery: Duration = .seconds(1), expectEvery: Duration = .seconds(1)) {
            self.sendEvery = sendEvery
            self.expectEvery = expectEvery
        }
    }

    struct Subscription: Sendable, Hashable {
        var destination: String
        var ackMode: STOMPAckMode
        var durable: Bool
    }

    struct Connected: Sendable {
        var version: STOMPVersion
        var sendEvery: Duration?
        var expectEvery: Duration?
        var lastReceived: C.Instant
        var lastSent: C.Instant
        var subscriptions: [String: Subscription] = [:]
        var transactions: [String: [STOMPTransactedCommand]] = [:]
        /// Body bytes each open transaction holds, against `maxTransactionBytes`.
        var transactionBytes: [String: Int] = [:]
        var maxTransactionBytes: Int
    }

    enum State: Sendable {
        case awaitingConnect
        case connecting(Connected)
        case connected(Connected)
        case closed
        case modifying
    }

    var state: State = .awaitingConnect
    let clock: C
    let heartbeatOffer: HeartbeatOffer
    /// Body bytes one transaction may buffer until COMMIT (`limits.max_transaction_bytes`).
    let maxTransactionBytes: Int

    public init(
        clock: C, heartbeatOffer: HeartbeatOffer = HeartbeatOffer(), maxTransactionBytes: Int = 16 * 1024 * 1024
    ) {
        self.clock = clock
        self.heartbeatOffer = heartbeatOffer
        self.maxTransactionBytes = maxTransactionBytes
    }

    /// The negotiated version (1.0 until CONNECTED was sent).
    public var version: STOMPVersion {
        switch self.state {
        case .connecting(let connected), .connected(let connected): connected.version
        case .awaitingConnect, .closed, .modifying: .v1_0
        }
    }

    public var isConnected: Bool {
        if case .connected = self.state { return true }
        return false
    }

    // MARK: - Events

    /// A frame arrived.
    public mutating func frameReceived(_ frame: STOMPFrame) -> STOMPSessionAction {
        self.inputReceived()
        switch self.state {
        case .awaitingConnect:
            switch frame.command {
            case .connect, .stomp:
                return self.connect(frame)
            case .send, .subscribe, .unsubscribe, .ack, .nack, .begin, .commit, .abort, .disconnect, .connected,
                .message, .receipt, .error:
                return self.fail(STOMPError("Illegal command", "\(frame.command.rawValue) before CONNECT"))
            }
        case .connecting:
            return self.fail(STOMPError("Illegal command", "\(frame.command.rawValue) while logging in"))
        case .connected(var connected):
            self.state = .modifying
            let action = Self.command(frame, &connected)
            self.state = .connected(connected)
            if case .fail = action { self.state = .closed }
            if case .disconnect = action { self.state = .closed }
            return action
        case .closed:
            return .none
        case .modifying:
            preconditionFailure("STOMPSessionStateMachine re-entered while modifying")
        }
    }

    /// Any bytes arrived (a heart-beat, or part of a frame): the peer is alive.
    public mutating func inputReceived() {
        switch self.state {
        case .connected(var connected):
            self.state = .modifying
            connected.lastReceived = self.clock.now
            self.state = .connected(connected)
        case .awaitingConnect, .connecting, .closed:
            break
        case .modifying:
            preconditionFailure("STOMPSessionStateMachine re-entered while modifying")
        }
    }

    /// Bytes were written to the peer.
    public mutating func outputSent() {
        switch self.state {
        case .connected(var connected):
            self.state = .modifying
            connected.lastSent = self.clock.now
            self.state = .connected(connected)
        case .awaitingConnect, .connecting, .closed:
            break
        case .modifying:
            preconditionFailure("STOMPSessionStateMachine re-entered while modifying")
        }
    }

    /// The login and vhost were accepted: the session is open. Returns the CONNECTED frame.
    public mutating func connectSucceeded(session: String, server: String) -> STOMPFrame? {
        guard case .connecting(var connected) = self.state else { return nil }
        let now = self.clock.now
        connected.lastReceived = now
        connected.lastSent = now
        self.state = .connected(connected)
        var headers: STOMPHeaders = ["version": connected.version.rawValue]
        if connected.version > .v1_0 {
            headers.append(
                "heart-beat", "\(Self.milliseconds(connected.sendEvery)),\(Self.milliseconds(connected.expectEvery))")
        }
        headers.append("session", session)
        headers.append("server", server)
        return STOMPFrame(.connected, headers: headers)
    }

    /// A failure found outside the state machine (login refused, engine error, unknown ack id).
    public mutating func fail(_ error: STOMPError) -> STOMPSessionAction {
        switch self.state {
        case .closed:
            return .none
        case .awaitingConnect, .connecting, .connected:
            self.state = .closed
            return .fail(error)
        case .modifying:
            preconditionFailure("STOMPSessionStateMachine re-entered while modifying")
        }
    }

    /// The connection went away or the broker is stopping: nothing more is sent.
    public mutating func closed() {
        self.state = .closed
    }

    /// How often the handler should call `heartbeatTimerFired` (nil: no heart-beats negotiated).
    public var heartbeatTimerInterval: Duration? {
        guard case .connected(let connected) = self.state else { return nil }
        let intervals = [connected.sendEvery, connected.expectEvery].compactMap { $0 }
        return intervals.min().map { $0 / 2 }
    }

    /// Sends a heart-beat when we have been silent for the send interval; fails the session when the
    /// peer has been silent for twice the expected interval (the spec's tolerance for network delay).
    public mutating func heartbeatTimerFired() -> STOMPSessionAction {
        guard case .connected(let connected) = self.state else { return .none }
        let now = self.clock.now
        if let expectEvery = connected.expectEvery, connected.lastReceived.duration(to: now) > expectEvery * 2 {
            return self.fail(
                STOMPError("Heart-beat timeout", "no data received for \(connected.lastReceived.duration(to: now))"))
        }
        if let sendEvery = connected.sendEvery, connected.lastSent.duration(to: now) >= sendEvery {
            return .sendHeartbeat
        }
        return .none
    }

    // MARK: - CONNECT

    private mutating func connect(_ frame: STOMPFrame) -> STOMPSessionAction {
        let offered = (frame.headers["accept-version"] ?? "1.0").split(separator: ",")
            .compactMap { STOMPVersion(rawValue: $0.trimmingSpaces) }
        guard let version = offered.max() else {
            return self.fail(
                STOMPError(
                    "Protocol version mismatch",
                    "Supported protocol versions are \(STOMPVersion.allCases.map(\.rawValue).joined(separator: ","))"
                )
            )
        }
        var sendEvery: Duration?
        var expectEvery: Duration?
        if version > .v1_0, let heartbeat = frame.headers["heart-beat"] {
            let parts = heartbeat.split(separator: ",", omittingEmptySubsequences: false)
            guard parts.count == 2, let cx = Int64(parts[0].trimmingSpaces), let cy = Int64(parts[1].trimmingSpaces),
                cx >= 0, cy >= 0
            else {
                return self.fail(STOMPError("Invalid heart-beat header", "heart-beat '\(heartbeat)' is not 'cx,cy'"))
            }
            // STOMP 1.2 "Heart-beating": each direction runs at the slower of what one side can do and
            // the other wants, and not at all when either side says 0.
            if cy > 0 && self.heartbeatOffer.sendEvery > .zero {
                sendEvery = max(.milliseconds(cy), self.heartbeatOffer.sendEvery)
            }
            if cx > 0 && self.heartbeatOffer.expectEvery > .zero {
                expectEvery = max(.milliseconds(cx), self.heartbeatOffer.expectEvery)
            }
        }
        let now = self.clock.now
        self.state = .connecting(
            Connected(
                version: version, sendEvery: sendEvery, expectEvery: expectEvery, lastReceived: now, lastSent: now,
                maxTransactionBytes: self.maxTransactionBytes)
        )
        return .connect(
            STOMPConnectRequest(
                version: version,
                host: frame.headers["host"],
                login: frame.headers["login"],
                passcode: frame.headers["passcode"],
                sendEvery: sendEvery,
                expectEvery: expectEvery
            )
        )
    }

    static func milliseconds(_ duration: Duration?) -> Int64 {
        guard let duration else { return 0 }
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

extension Substring {
    var trimmingSpaces: String {
        String(self.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
