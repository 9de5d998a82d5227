import JunctionCore

/// A partitioned stream in the management API: `type: stream`, `partitions` (the count and each
/// partition stream's name), messages summed over the partitions, and per consumer group its
/// members, rebalance count and, per partition, owner (consumer tag), committed offset and lag.
extension ManagementRepresentation {
    static func partitionedFields(
        _ fields: [(String, JSONValue)], _ partitioned: PartitionedStream
    ) -> [(String, JSONValue)] {
        let count = JSONValue.int(Int64(partitioned.messageCount))
        var result: [(String, JSONValue)] = fields.map { key, value in
            switch key {
            case "type": (key, .string("stream"))
            case "messages", "messages_ready": (key, count)
            case "consumers": (key, .int(Int64(partitioned.consumerCount)))
            default: (key, value)
            }
        }
        result.append(("partitions", .array(partitioned.partitions.map { .string($0.name) })))
        result.append(
            (
                "consumer_groups",
                .array(
                    partitioned.groups.map { group in
                        .object([
                            ("name", .string(group.name)),
                            ("type", .string(group.isShared ? "shared" : "single-active")),
                            ("members", .int(Int64(group.memberCount))),
                            ("rebalances", .int(Int64(group.rebalanceCount))),
                            ("lag", .int(group.partitions.reduce(0) { $0 + $1.lag })),
                            (
                                "partitions",
                                .array(
                                    group.partitions.map { partition in
                                        .object([
                                            ("partition", .int(Int64(partition.index))),
                                            ("stream", .string(partition.stream)),
                                            ("owner", partition.owner.map(JSONValue.string) ?? .null),
                                            (
                                                "committed_offset",
                                                partition.committedOffset.map(JSONValue.int) ?? .null
                                            ),
                                            ("lag", .int(partition.lag)),
                                        ])
                                    }
                                )
                            ),
                        ])
                    }
                )
            ))
        return result
    }
}
