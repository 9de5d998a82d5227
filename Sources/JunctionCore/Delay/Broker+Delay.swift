extension Broker {
    /// The server's timer for delayed messages (see `DelayTimer`); setting it arms it for the
    /// earliest due message already scheduled (recovered at start-up).
    public var delayTimer: (any DelayTimer)? {
        get { self.delayTimerSlot.timer }
        set {
            self.delayTimerSlot.timer = newValue
            self.delayTimerSlot.disarm()
            self.armDelayTimer()
        }
    }

    /// Routes every delayed message that is due (in due-time order, per virtual host), at most
    /// `limit` per call so that a million falling due at once do not stall the loop: when more are
    /// due the timer is armed for now, and the loop serves its connections in between. The server's
    /// `DelayTimer` calls it; tests call it after moving a `ManualBrokerClock`.
    public func fireDueDelayedMessages(limit: Int = 4096) {
        self.delayTimerSlot.disarm()
        let now = self.clock.nowMilliseconds()
        for host in self.virtualHosts {
            host.routeDueMessages(now: now, limit: limit)
        }
        self.armDelayTimer()
    }

    /// Delayed messages held by every virtual host.
    public var delayedMessageCount: Int { self.virtualHosts.reduce(0) { $0 + $1.delayed.count } }

    /// Shutdown, after the last sync: the delay logs are closed.
    public func closeDelayLogs() {
        self.delays.close()
    }

    func armDelayTimer() {
        var earliest = UInt64.max
        for host in self.virtualHosts {
            if let due = host.delayed.earliestDue, due < earliest { earliest = due }
        }
        if earliest != .max { self.delayTimerSlot.request(earliest) }
    }

    /// A new virtual host gets the broker's timer and its delay log, with what the log recovered.
    func attachDelayedMessages(_ host: VirtualHost) {
        host.delayed.timerSlot = self.delayTimerSlot
        guard let log = self.delays.log(for: host.name) else { return }
        host.delayed.log = log
        host.delayed.restore(log.takeRecovered())
    }
}
