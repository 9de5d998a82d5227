import JunctionCore
import JunctionModel
import NIOCore

/// StartMessageMoveTask and friends: moving messages out of a dead-letter queue, back to the queue each
/// came from (the `queue` of its newest `x-death` entry) or into a named destination. A task moves at
/// most its rate per second (default 500, SQS's largest) on a timer of the engine loop, each message
/// taken, published, then acknowledged, so a crash mid-move duplicates at worst and loses nothing. A
/// message with nowhere to go (no `x-death`, its source gone) is put back and the task fails, as SQS's does.
final class SQSMoveTasks {
    struct Task {
        var handle: String
        var source: String
        var sourceARN: String
        var destination: String?
        var destinationARN: String?
        var rate: Int
        var toMove: Int
        var moved = 0
        var status = "RUNNING"
        var failureReason: String?
        var startedAt: Int64
        var timer: Scheduled<Void>?
    }

    private var tasks: [String: Task] = [:]
    /// Newest first per source, as ListMessageMoveTasks answers.
    private var order: [String] = []

    func start(
        source: MessageQueue, sourceARN: String, destination: MessageQueue?, destinationARN: String?, rate: Int,
        host: VirtualHost, access: AccessContext, owner: ConnectionID, now: Int64, identifiers: SQSIdentifiers,
        on loop: any EventLoop
    ) throws(SQSError) -> String {
        if self.tasks.values.contains(where: { $0.source == source.name && $0.status == "RUNNING" }) {
            throw .invalid(
                "There is already a task running. Only one active task is allowed for a source queue arn at a given time."
            )
        }
        let handle = identifiers.uuid()
        self.tasks[handle] = Task(
            handle: handle, source: source.name, sourceARN: sourceARN, destination: destination?.name,
            destinationARN: destinationARN, rate: rate, toMove: source.readyCount, startedAt: now)
        self.order.insert(handle, at: 0)
        // Finished tasks are kept for ListMessageMoveTasks, the newest 100 of them.
        while self.order.count > 100, let oldest = self.order.last, self.tasks[oldest]?.status != "RUNNING" {
            self.order.removeLast()
            self.tasks[oldest] = nil
        }
        // Ten ticks a second, each moving a tenth of the rate; the first at once.
        self.tick(handle, count: max(1, rate / 10), host: host, access: access, owner: owner, on: loop)
        return handle
    }

    private func tick(
        _ handle: String, count: Int, host: VirtualHost, access: AccessContext, owner: ConnectionID,
        on loop: any EventLoop
    ) {
        guard var task = self.tasks[handle], task.status == "RUNNING" else { return }
        defer {
            if task.status == "RUNNING" {
                task.timer = loop.assumeIsolated().scheduleTask(in: .milliseconds(100)) { [weak self] in
                    self?.tick(handle, count: count, host: host, access: access, owner: owner, on: loop)
                }
            }
            self.tasks[handle] = task
        }
        for _ in 0..<count {
            guard task.moved < task.toMove,
                let taken = (try? host.get(queue: task.source, noAck: false, owner: owner, access: access)) ?? nil
            else {
                self.finish(&task, status: "COMPLETED")
                return
            }
            let delivery = taken.delivery
            var message = delivery.message
            guard let target = task.destination ?? Self.sourceQueue(of: message), host.queue(named: target) != nil
            else {
                delivery.queue.reject(CollectionOfOne(delivery.id), requeue: true)
                task.failureReason = "a message has no source queue to go back to (no x-death) or its queue is gone"
                self.finish(&task, status: "FAILED")
                return
            }
            message.exchange = ""
            message.routingKey = target
            guard case .routed(let queues)? = try? host.publish(message, access: access), queues > 0 else {
                delivery.queue.reject(CollectionOfOne(delivery.id), requeue: true)
                task.failureReason = "queue '\(target)' refused the message"
                self.finish(&task, status: "FAILED")
                return
            }
            delivery.queue.ack(CollectionOfOne(delivery.id))
            task.moved += 1
        }
    }

    private func finish(_ task: inout Task, status: String) {
        task.status = status
        task.timer?.cancel()
        task.timer = nil
    }

    func cancel(_ handle: String) throws(SQSError) -> Int {
        guard var task = self.tasks[handle] else {
            throw SQSError("ResourceNotFoundException", "Task does not exist.")
        }
        guard task.status == "RUNNING" else { throw .invalid("Task is not running; it is \(task.status).") }
        self.finish(&task, status: "CANCELLED")
        self.tasks[handle] = task
        return task.moved
    }

    func list(sourceARN: String, maximum: Int) -> [Task] {
        Array(self.order.compactMap { self.tasks[$0] }.filter { $0.sourceARN == sourceARN }.prefix(maximum))
    }

    /// The queue a dead-lettered message came from: the `queue` of its newest `x-death` entry.
    static func sourceQueue(of message: Message) -> String? {
        guard case .array(let deaths) = message.properties.headers?["x-death"], case .table(let newest) = deaths.first
        else { return nil }
        return newest["queue"]?.stringValue
    }
}
