import JunctionModel

/// Read-ahead of paged messages off the engine loop. When a window of paged messages has been loaded
/// (`loadPaged`), the next window of the same level is read on the read-ahead thread while consumers drain
/// this one; the next `loadPaged` takes its messages from memory and reads on the loop only what the
/// read-ahead does not cover (the first window of a drain, a read still in flight, a window that changed).
///
/// The read-ahead is a cache of immutable log records, never a second copy of the queue's state: the
/// paged index stays the truth of what is queued, and a window takes from the read-ahead only the offsets
/// it holds, run by run in the same order (windows are taken from the index's head, which only windows
/// move). So purge, delete, expiry, requeue and new messages need nothing from it but to drop it when it
/// cannot be used any more (purge, delete, a run that does not match). One read per queue at a time; its
/// body bytes count in `QueuePaging.inMemoryBytes` while it is held.
extension MessageQueue {
    /// Starts reading the next window of `level`'s paged messages ahead of need, when the server has a
    /// read-ahead thread and nothing is read ahead yet.
    func startReadAhead(level: Int) {
        guard self.readAhead == nil, !self.isDeleted, let executor = self.paging.readAheadExecutor,
            self.ready.hasPaged(level: level)
        else { return }
        let window = self.ready.pagedRuns(
            level: level, maxBytes: self.paging.windowBytes, maxCount: QueuePaging.maximumWindowCount)
        var reads: [PagedRead] = []
        var runs: [PagedReadAhead.Run] = []
        for run in window.runs {
            let read =
                run.spilled
                ? self.spill?.readAhead(from: run.first, through: run.last)
                : self.store?.readAhead(queue: self.storeKey, from: run.first, through: run.last)
            // A run that cannot be read off the loop ends the read-ahead: the window reads it and what follows.
            guard let read else { break }
            reads.append(read)
            runs.append(PagedReadAhead.Run(spilled: run.spilled, first: run.first, last: run.last))
        }
        guard !reads.isEmpty else { return }
        let state = PagedReadAhead(level: level, spill: self.spill, runs: runs, bytes: window.bytes)
        self.readAhead = state
        self.paging.inMemoryBytes += window.bytes
        executor.run(PagedRead(combining: reads)) { [self] result in self.finishReadAhead(state, result) }
    }

    private func finishReadAhead(_ state: PagedReadAhead, _ result: Result<[[PagedReadMessage]], any Error>) {
        // Dropped meanwhile (purge, delete): the queue no longer waits for it.
        guard self.readAhead === state else { return }
        guard case .success(let messages) = result, messages.count == state.runs.count else {
            // The windows read on the loop when they need these, and report a failure there.
            self.dropReadAhead()
            return
        }
        for index in state.runs.indices { state.runs[index].messages = messages[index] }
        state.isComplete = true
        // A window read the first run on the loop while this was in flight: read the next one instead.
        let first = state.runs[0]
        guard let head = self.ready.firstPaged(level: state.level), head.isSpilled == first.spilled,
            head.offset >= first.first, head.offset <= first.last
        else {
            self.dropReadAhead()
            self.startReadAhead(level: state.level)
            return
        }
    }

    /// Hands `deliver` the read-ahead messages of the run `first...last` of one source of a window of `level`,
    /// oldest first. Another level's window leaves the read-ahead alone: levels share the log, so its offsets
    /// may fall inside a run read for this level, and taking them would move the run past what it still needs. Returns the first offset of the run it does not cover (past `last` when it covers all of it);
    /// offsets it covers and has no message for are not in the log (or undecodable), as for a read on the loop.
    func takeReadAhead(
        level: Int, spilled: Bool, from first: UInt64, through last: UInt64, _ deliver: (UInt64, Message) -> Void
    ) -> UInt64 {
        guard let state = self.readAhead, state.isComplete, state.level == level else { return first }
        let run = state.runs[state.nextRun]
        guard run.spilled == spilled, !spilled || state.spill === self.spill, first >= run.first, first <= run.last
        else {
            // Not the run it read: the window changed under it.
            self.dropReadAhead()
            return first
        }
        var index = run.consumed
        while index < run.messages.count, run.messages[index].offset < first { index += 1 }
        while index < run.messages.count, run.messages[index].offset <= last {
            deliver(run.messages[index].offset, run.messages[index].message)
            index += 1
        }
        if last >= run.last {
            state.runs[state.nextRun].messages = []
            state.nextRun += 1
            if state.nextRun == state.runs.count { self.dropReadAhead() }
        } else {
            state.runs[state.nextRun].consumed = index
        }
        return min(last, run.last) + 1
    }

    /// Drops what is read ahead (or stops waiting for it) and its memory reservation.
    func dropReadAhead() {
        guard let state = self.readAhead else { return }
        self.paging.inMemoryBytes -= state.reservedBytes
        self.readAhead = nil
    }
}
