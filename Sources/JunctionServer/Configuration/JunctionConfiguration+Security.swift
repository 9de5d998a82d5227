import Configuration

/// The `http` and `limits` sections: their keys, how they are read, and their ranges.
extension ConfigurationKeys {
    static let httpAllowedHosts: ConfigKey = "http.allowed_hosts"
    static let httpAllowedOrigins: ConfigKey = "http.allowed_origins"
    static let httpMetricsPublic: ConfigKey = "http.metrics_public"
    static let httpMaxHeaderBytes: ConfigKey = "http.max_header_bytes"
    static let httpHeaderTimeoutSeconds: ConfigKey = "http.header_timeout_seconds"
    static let httpIdleTimeoutSeconds: ConfigKey = "http.idle_timeout_seconds"
    static let httpMaxLeasesPerUser: ConfigKey = "http.max_leases_per_user"
    static let httpMaxGetCount: ConfigKey = "http.max_get_count"
    static let httpMaxLeaseSeconds: ConfigKey = "http.max_lease_seconds"
    static let httpRatesSampleIntervalSeconds: ConfigKey = "http.rates_sample_interval_seconds"
    static let httpRatesHistorySamples: ConfigKey = "http.rates_history_samples"
    static let maxConnections: ConfigKey = "limits.max_connections"
    static let maxConnectionsPerUser: ConfigKey = "limits.max_connections_per_user"
    static let maxConnectionsPerVirtualHost: ConfigKey = "limits.max_connections_per_vhost"
    static let maxConsumersPerChannel: ConfigKey = "limits.max_consumers_per_channel"
    static let maxTopicWords: ConfigKey = "limits.max_topic_words"
    static let failedLoginDelayMilliseconds: ConfigKey = "limits.failed_login_delay_ms"
    static let failedLoginMaxDelayMilliseconds: ConfigKey = "limits.failed_login_max_delay_ms"
    static let outputLowWaterBytes: ConfigKey = "limits.output_low_water_bytes"
    static let outputHighWaterBytes: ConfigKey = "limits.output_high_water_bytes"
    static let maxTransactionBytes: ConfigKey = "limits.max_transaction_bytes"
    static let maxPreloginFrameBytes: ConfigKey = "limits.max_prelogin_frame_bytes"
    static let maxDeduplicationCacheEntries: ConfigKey = "limits.max_deduplication_cache_entries"
    static let readsPerTurn: ConfigKey = "limits.reads_per_turn"
}

extension HTTPConfiguration {
    init(reading reader: ConfigReader) throws {
        func int(_ key: ConfigKey) throws -> Int {
            do { return try reader.requiredInt(forKey: key) } catch {
                throw ConfigurationError("configuration key \(key): \(error)")
            }
        }
        self.init(
            allowedHosts: reader.stringArray(forKey: ConfigurationKeys.httpAllowedHosts, default: []),
            allowedOrigins: reader.stringArray(forKey: ConfigurationKeys.httpAllowedOrigins, default: []),
            metricsPublic: reader.bool(forKey: ConfigurationKeys.httpMetricsPublic, default: true),
            maxHeaderBytes: try int(ConfigurationKeys.httpMaxHeaderBytes),
            headerTimeoutSeconds: try int(ConfigurationKeys.httpHeaderTimeoutSeconds),
            idleTimeoutSeconds: try int(ConfigurationKeys.httpIdleTimeoutSeconds),
            maxLeasesPerUser: try int(ConfigurationKeys.httpMaxLeasesPerUser),
            maxGetCount: try int(ConfigurationKeys.httpMaxGetCount),
            maxLeaseSeconds: try int(ConfigurationKeys.httpMaxLeaseSeconds),
            ratesSampleIntervalSeconds: try int(ConfigurationKeys.httpRatesSampleIntervalSeconds),
            ratesHistorySamples: try int(ConfigurationKeys.httpRatesHistorySamples)
        )
    }

    var configValues: [AbsoluteConfigKey: ConfigValue] {
        [
            AbsoluteConfigKey(ConfigurationKeys.httpAllowedHosts): .init(
                .stringArray(self.allowedHosts), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.httpAllowedOrigins): .init(
                .stringArray(self.allowedOrigins), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.httpMetricsPublic): .init(.bool(self.metricsPublic), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.httpMaxHeaderBytes): .init(.int(self.maxHeaderBytes), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.httpHeaderTimeoutSeconds): .init(
                .int(self.headerTimeoutSeconds), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.httpIdleTimeoutSeconds): .init(
                .int(self.idleTimeoutSeconds), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.httpMaxLeasesPerUser): .init(
                .int(self.maxLeasesPerUser), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.httpMaxGetCount): .init(.int(self.maxGetCount), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.httpMaxLeaseSeconds): .init(
                .int(self.maxLeaseSeconds), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.httpRatesSampleIntervalSeconds): .init(
                .int(self.ratesSampleIntervalSeconds), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.httpRatesHistorySamples): .init(
                .int(self.ratesHistorySamples), isSecret: false),
        ]
    }

    func validate() throws {
        let ranges: [(String, Int, ClosedRange<Int>)] = [
            ("http.max_header_bytes", self.maxHeaderBytes, 1024...65536),
            ("http.header_timeout_seconds", self.headerTimeoutSeconds, 1...3600),
            ("http.idle_timeout_seconds", self.idleTimeoutSeconds, 1...86400),
            ("http.max_leases_per_user", self.maxLeasesPerUser, 1...10_000_000),
            ("http.max_get_count", self.maxGetCount, 1...1_000_000),
            ("http.max_lease_seconds", self.maxLeaseSeconds, 1...604_800),
            ("http.rates_sample_interval_seconds", self.ratesSampleIntervalSeconds, 1...3600),
            ("http.rates_history_samples", self.ratesHistorySamples, 2...10000),
        ]
        for (key, value, range) in ranges where !range.contains(value) {
            throw ConfigurationError("\(key): \(value) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        for origin in self.allowedOrigins where origin != "*" && !origin.contains("://") {
            throw ConfigurationError("http.allowed_origins: \"\(origin)\" is not scheme://host[:port] or *")
        }
    }
}

extension LimitsConfiguration {
    init(reading reader: ConfigReader) throws {
        func int(_ key: ConfigKey) throws -> Int {
            do { return try reader.requiredInt(forKey: key) } catch {
                throw ConfigurationError("configuration key \(key): \(error)")
            }
        }
        self.init(
            maxConnections: try int(ConfigurationKeys.maxConnections),
            maxConnectionsPerUser: try int(ConfigurationKeys.maxConnectionsPerUser),
            maxConnectionsPerVirtualHost: try int(ConfigurationKeys.maxConnectionsPerVirtualHost),
            maxConsumersPerChannel: try int(ConfigurationKeys.maxConsumersPerChannel),
            maxTopicWords: try int(ConfigurationKeys.maxTopicWords),
            failedLoginDelayMilliseconds: try int(ConfigurationKeys.failedLoginDelayMilliseconds),
            failedLoginMaxDelayMilliseconds: try int(ConfigurationKeys.failedLoginMaxDelayMilliseconds),
            outputLowWaterBytes: try int(ConfigurationKeys.outputLowWaterBytes),
            outputHighWaterBytes: try int(ConfigurationKeys.outputHighWaterBytes),
            maxTransactionBytes: try int(ConfigurationKeys.maxTransactionBytes),
            maxPreloginFrameBytes: try int(ConfigurationKeys.maxPreloginFrameBytes),
            maxDeduplicationCacheEntries: try int(ConfigurationKeys.maxDeduplicationCacheEntries),
            readsPerTurn: try int(ConfigurationKeys.readsPerTurn)
        )
    }

    var configValues: [AbsoluteConfigKey: ConfigValue] {
        [
            AbsoluteConfigKey(ConfigurationKeys.maxConnections): .init(.int(self.maxConnections), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.maxConnectionsPerUser): .init(
                .int(self.maxConnectionsPerUser), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.maxConnectionsPerVirtualHost): .init(
                .int(self.maxConnectionsPerVirtualHost), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.maxConsumersPerChannel): .init(
                .int(self.maxConsumersPerChannel), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.maxTopicWords): .init(.int(self.maxTopicWords), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.failedLoginDelayMilliseconds): .init(
                .int(self.failedLoginDelayMilliseconds), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.failedLoginMaxDelayMilliseconds): .init(
                .int(self.failedLoginMaxDelayMilliseconds), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.outputLowWaterBytes): .init(
                .int(self.outputLowWaterBytes), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.outputHighWaterBytes): .init(
                .int(self.outputHighWaterBytes), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.maxTransactionBytes): .init(
                .int(self.maxTransactionBytes), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.maxPreloginFrameBytes): .init(
                .int(self.maxPreloginFrameBytes), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.maxDeduplicationCacheEntries): .init(
                .int(self.maxDeduplicationCacheEntries), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.readsPerTurn): .init(.int(self.readsPerTurn), isSecret: false),
        ]
    }

    func validate() throws {
        let ranges: [(String, Int, ClosedRange<Int>)] = [
            ("limits.max_connections", self.maxConnections, 0...10_000_000),
            ("limits.max_connections_per_user", self.maxConnectionsPerUser, 0...10_000_000),
            ("limits.max_connections_per_vhost", self.maxConnectionsPerVirtualHost, 0...10_000_000),
            ("limits.max_consumers_per_channel", self.maxConsumersPerChannel, 0...1_000_000),
            ("limits.max_topic_words", self.maxTopicWords, 1...65535),
            ("limits.failed_login_delay_ms", self.failedLoginDelayMilliseconds, 0...60000),
            ("limits.failed_login_max_delay_ms", self.failedLoginMaxDelayMilliseconds, 0...600_000),
            ("limits.output_low_water_bytes", self.outputLowWaterBytes, 4096...67_108_864),
            ("limits.output_high_water_bytes", self.outputHighWaterBytes, 8192...268_435_456),
            ("limits.max_transaction_bytes", self.maxTransactionBytes, 1024...1_073_741_824),
            // AMQP's frame-min-size (4096) is the floor: connection.start-ok must always fit.
            ("limits.max_prelogin_frame_bytes", self.maxPreloginFrameBytes, 4096...16_777_216),
            ("limits.max_deduplication_cache_entries", self.maxDeduplicationCacheEntries, 1...100_000_000),
            ("limits.reads_per_turn", self.readsPerTurn, 1...64),
        ]
        for (key, value, range) in ranges where !range.contains(value) {
            throw ConfigurationError("\(key): \(value) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        guard self.outputLowWaterBytes < self.outputHighWaterBytes else {
            throw ConfigurationError("limits.output_low_water_bytes must be below limits.output_high_water_bytes")
        }
    }
}
