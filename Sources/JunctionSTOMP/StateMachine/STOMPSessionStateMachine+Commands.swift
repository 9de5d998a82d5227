import JunctionSTOMPCodec
import NIOCore

extension STOMPSessionStateMachine {
    /// One frame of an open session (STOMP 1.2 "Client Frames"). Pure: validates and decides.
    static func command(_ frame: STOMPFrame, _ connected: inout Connected) -> STOMPSessionAction {
        let receipt = frame.headers["receipt"]
        func failure(_ message: String, _ detail: String) -> STOMPSessionAction {
            .fail(STOMPError(message, detail, receiptID: receipt))
        }
        switch frame.command {
        case .connect, .stomp:
            return failure("Illegal command", "already connected")
        case .connected, .message, .receipt, .error:
            return failure("Illegal command", "\(frame.command.rawValue) is a server frame")
        case .disconnect:
            connected.transactions.removeAll()
            connected.transactionBytes.removeAll()
            return .disconnect(receipt: receipt)

        case .send:
            guard let destination = frame.headers["destination"] else {
                return failure("Missing destination", "SEND frame has no 'destination' header")
            }
            let request = STOMPSendRequest(destination: destination, frame: frame)
            if let transaction = frame.headers["transaction"] {
                guard connected.transactions[transaction] != nil else {
                    return failure("Invalid transaction", "transaction '\(transaction)' was not begun")
                }
                let held = connected.transactionBytes[transaction, default: 0] + frame.body.readableBytes
                guard held <= connected.maxTransactionBytes else {
                    // The transaction is dropped (nothing of it is published) and the session ends.
                    connected.transactions[transaction] = nil
                    connected.transactionBytes[transaction] = nil
                    return failure(
                        "Transaction too large",
                        "transaction '\(transaction)' would hold \(held) bytes, more than \(connected.maxTransactionBytes) (limits.max_transaction_bytes)"
                    )
                }
                connected.transactionBytes[transaction] = held
                connected.transactions[transaction]!.append(.send(request))
                return receipt.map { .receipt($0) } ?? .none
            }
            return .send(request, receipt: receipt)

        case .subscribe:
            guard let destination = frame.headers["destination"] else {
                return failure("Missing destination", "SUBSCRIBE frame has no 'destination' header")
            }
            // STOMP 1.0 made `id` optional; RabbitMQ then names the subscription by its destination.
            guard let id = frame.headers["id"] ?? (connected.version == .v1_0 ? destination : nil) else {
                return failure("Missing id", "SUBSCRIBE frame has no 'id' header")
            }
            guard connected.subscriptions[id] == nil else {
                return failure("Duplicated subscription identifier", "a subscription with id '\(id)' already exists")
            }
            let modeText = frame.headers["ack"] ?? "auto"
            guard let ackMode = STOMPAckMode(rawValue: modeText) else {
                return failure("Invalid ack mode", "ack '\(modeText)' is not auto, client or client-individual")
            }
            var prefetch = 0
            if let text = frame.headers["prefetch-count"] {
                guard let value = Int(text), value >= 0 else {
                    return failure("Invalid prefetch-count", "prefetch-count '\(text)' is not a non-negative integer")
                }
                prefetch = value
            }
            let durable = frame.headers["durable"] == "true" || frame.headers["persistent"] == "true"
            connected.subscriptions[id] = Subscription(destination: destination, ackMode: ackMode, durable: durable)
            return .subscribe(
                STOMPSubscribeRequest(
                    id: id,
                    destination: destination,
                    ackMode: ackMode,
                    prefetch: prefetch,
                    durable: durable,
                    exclusive: frame.headers["exclusive"] == "true",
                    headers: frame.headers
                ),
                receipt: receipt
            )

        case .unsubscribe:
            guard let id = frame.headers["id"] ?? (connected.version == .v1_0 ? frame.headers["destination"] : nil)
            else {
                return failure("Missing id", "UNSUBSCRIBE frame has no 'id' header")
            }
            guard let subscription = connected.subscriptions.removeValue(forKey: id) else {
                return failure("Unknown subscription", "no subscription with id '\(id)'")
            }
            let deleteDurable =
                subscription.durable && (frame.headers["durable"] == "true" || frame.headers["persistent"] == "true")
            return .unsubscribe(id: id, durable: deleteDurable, receipt: receipt)

        case .ack, .nack:
            let idHeader = connected.version == .v1_2 ? "id" : "message-id"
            guard let ackID = frame.headers[idHeader] ?? frame.headers["id"] ?? frame.headers["message-id"] else {
                return failure("Missing \(idHeader)", "\(frame.command.rawValue) frame has no '\(idHeader)' header")
            }
            let subscriptionID = frame.headers["subscription"] ?? Self.subscriptionID(fromAckID: ackID)
            guard let subscriptionID, let subscription = connected.subscriptions[subscriptionID] else {
                return failure("Unknown subscription", "\(frame.command.rawValue) for an unknown subscription")
            }
            guard subscription.ackMode != .auto else {
                return failure("Invalid ack", "subscription '\(subscriptionID)' uses ack:auto")
            }
            let request = STOMPSettleRequest(
                ackID: ackID,
                ackMode: subscription.ackMode,
                subscriptionID: subscriptionID,
                accept: frame.command == .ack,
                requeue: frame.headers["requeue"] != "false"
            )
            if let transaction = frame.headers["transaction"] {
                guard connected.transactions[transaction] != nil else {
                    return failure("Invalid transaction", "transaction '\(transaction)' was not begun")
                }
                connected.transactions[transaction]!.append(.settle(request))
                return receipt.map { .receipt($0) } ?? .none
            }
            return .settle(request, receipt: receipt)

        case .begin:
            guard let transaction = frame.headers["transaction"] else {
                return failure("Missing transaction", "BEGIN frame has no 'transaction' header")
            }
            guard connected.transactions[transaction] == nil else {
                return failure("Invalid transaction", "transaction '\(transaction)' is already active")
            }
            connected.transactions[transaction] = []
            return receipt.map { .receipt($0) } ?? .none

        case .commit, .abort:
            guard let transaction = frame.headers["transaction"] else {
                return failure("Missing transaction", "\(frame.command.rawValue) frame has no 'transaction' header")
            }
            connected.transactionBytes[transaction] = nil
            guard let commands = connected.transactions.removeValue(forKey: transaction) else {
                return failure("Invalid transaction", "transaction '\(transaction)' was not begun")
            }
            if frame.command == .abort { return receipt.map { .receipt($0) } ?? .none }
            return .commit(commands, receipt: receipt)
        }
    }

    /// Our ack ids are `<subscription id>@@<delivery tag>` (see `STOMPUnackedDeliveries`): the
    /// subscription follows from the id when a 1.2 ACK names none.
    static func subscriptionID(fromAckID ackID: String) -> String? {
        STOMPUnackedDeliveries<Never>.parse(ackID)?.subscription
    }
}
