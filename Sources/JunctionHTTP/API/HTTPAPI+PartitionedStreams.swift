import JunctionCore

/// Reading a partitioned stream over HTTP: `GET /api/v1/streams/{vhost}/{name}/messages?group=G`.
/// The request joins group G for its duration (a rebalance), reads what the partitions it is
/// assigned hold after their committed offsets, commits the messages it returns (at most `max`),
/// hands the rest back unprocessed, and leaves (another rebalance). Without a group it is refused:
/// read one partition `name-<n>` by offset instead.
extension HTTPAPI {
    func readPartitionedStream(
        _ partitioned: PartitionedStream, host: VirtualHost, access: AccessContext, query: HTTPStreamQuery
    ) throws(HTTPAPIError) -> HTTPResponse {
        let reader = HTTPStreamReader()
        let member: any StreamConsumerHandle
        do {
            member = try host.subscribeStream(
                partitioned.name, consumer: reader, tag: Self.streamReaderTag(), noAck: false, prefetch: query.max,
                arguments: query.arguments, owner: self.connectionID, access: access)
        } catch {
            throw HTTPAPIError(error)
        }
        member.resume()
        let deliveries = reader.deliveries
        let returned = Array(deliveries.prefix(query.max))
        for delivery in returned {
            delivery.subscription.settle(acked: [delivery.id])
        }
        for delivery in deliveries.dropFirst(query.max) {
            delivery.subscription.settle(rejected: [delivery.id], requeue: true)
        }
        member.cancel()
        return .json(
            .object([
                ("stream", .string(partitioned.name)),
                ("group", query.group.map(JSONValue.string) ?? .null),
                ("messages", .array(returned.map { .object(Self.streamMessageFields($0)) })),
            ])
        )
    }
}
