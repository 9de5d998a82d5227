import Configuration
import JunctionMQTT
import Logging

extension JunctionConfiguration {
    /// This configuration as provider values, one per key: the bottom layer of `load`.
    var configValues: [AbsoluteConfigKey: ConfigValue] {
        var values: [AbsoluteConfigKey: ConfigValue] = [
            AbsoluteConfigKey(ConfigurationKeys.bindHost): .init(.string(self.listeners.bindHost), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.amqpPort): .init(.int(self.listeners.amqpPort), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.mqttPort): .init(.int(self.listeners.mqttPort), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.stompPort): .init(.int(self.listeners.stompPort), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.httpPort): .init(.int(self.listeners.httpPort), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.amqpsPort): .init(.int(self.listeners.amqpsPort), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.mqttsPort): .init(.int(self.listeners.mqttsPort), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.stompsPort): .init(.int(self.listeners.stompsPort), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.httpsPort): .init(.int(self.listeners.httpsPort), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.sqsPort): .init(.int(self.listeners.sqsPort), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.listenBacklog): .init(.int(self.listeners.backlog), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.mqttMaxQueuedMessages): .init(
                .int(self.mqtt.sessionLimits.maxQueuedMessages), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.mqttMaxQueuedBytes): .init(
                .int(self.mqtt.sessionLimits.maxQueuedBytes), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.mqttQueueOverflow): .init(
                .string(self.mqtt.sessionLimits.queueOverflow.rawValue), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.mqttMaxRetainedMessages): .init(
                .int(self.mqtt.sessionLimits.maxRetainedMessages), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.mqttMaxRetainedBytes): .init(
                .int(self.mqtt.sessionLimits.maxRetainedBytes), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.tlsCertFile): .init(.string(self.tls.certFile), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.tlsKeyFile): .init(.string(self.tls.keyFile), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.tlsCAFile): .init(.string(self.tls.caFile), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.tlsVerifyPeer): .init(
                .string(self.tls.verifyPeer.rawValue), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.mqttUseIdentityAsUsername): .init(
                .bool(self.mqtt.useIdentityAsUsername), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.dataDirectory): .init(.string(self.dataDirectory), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.frameMax): .init(.int(self.amqp.frameMax), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.channelMax): .init(.int(self.amqp.channelMax), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.heartbeatSeconds): .init(
                .int(Int(self.amqp.heartbeat.components.seconds)),
                isSecret: false
            ),
            AbsoluteConfigKey(ConfigurationKeys.maxMessageSize): .init(.int(self.amqp.maxMessageSize), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.handshakeTimeoutSeconds): .init(
                .int(Int(self.amqp.handshakeTimeout.components.seconds)),
                isSecret: false
            ),
            AbsoluteConfigKey(ConfigurationKeys.mqttAllowAnonymous): .init(
                .bool(self.mqtt.allowAnonymous), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.mqttAnonymousUser): .init(
                .string(self.mqtt.anonymousUser), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.stompMaxHeaderBytes): .init(
                .int(self.stomp.maxHeaderBytes),
                isSecret: false
            ),
            AbsoluteConfigKey(ConfigurationKeys.stompMaxHeaders): .init(.int(self.stomp.maxHeaders), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.stompMaxBodyBytes): .init(
                .int(self.stomp.maxBodyBytes),
                isSecret: false
            ),
            AbsoluteConfigKey(ConfigurationKeys.stompHeartbeatMilliseconds): .init(
                .int(self.stomp.heartbeatMilliseconds),
                isSecret: false
            ),
            AbsoluteConfigKey(ConfigurationKeys.stompConnectTimeoutSeconds): .init(
                .int(Int(self.stomp.connectTimeout.components.seconds)),
                isSecret: false
            ),
            AbsoluteConfigKey(ConfigurationKeys.stompAllowAnonymous): .init(
                .bool(self.stomp.allowAnonymous),
                isSecret: false
            ),
            AbsoluteConfigKey(ConfigurationKeys.stompAnonymousUser): .init(
                .string(self.stomp.anonymousUser),
                isSecret: false
            ),
            AbsoluteConfigKey(ConfigurationKeys.mqttExchange): .init(.string(self.mqtt.exchange), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.mqttVirtualHost): .init(
                .string(self.mqtt.virtualHost), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.mqttMaxPacketSize): .init(
                .int(self.mqtt.maxPacketSize), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.mqttTopicAliasMax): .init(
                .int(self.mqtt.topicAliasMax), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.mqttMaxSessionExpirySeconds): .init(
                .int(Int(self.mqtt.maxSessionExpirySeconds)),
                isSecret: false
            ),
            AbsoluteConfigKey(ConfigurationKeys.mqttConnectTimeoutSeconds): .init(
                .int(self.mqtt.connectTimeoutSeconds),
                isSecret: false
            ),
            AbsoluteConfigKey(ConfigurationKeys.mqttMaxKeepAliveSeconds): .init(
                .int(self.mqtt.maxKeepAliveSeconds),
                isSecret: false
            ),
            AbsoluteConfigKey(ConfigurationKeys.mqttReceiveMaximum): .init(
                .int(self.mqtt.receiveMaximum), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.userNames): .init(
                .stringArray(self.users.map(\.name)), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.defaultVirtualHost): .init(
                .string(self.defaultVirtualHost), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.logLevel): .init(.string(self.logLevel.rawValue), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.logFormat): .init(.string(self.logFormat.rawValue), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.shutdownTimeoutSeconds): .init(
                .int(self.shutdownTimeoutSeconds), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.memoryHighWatermark): .init(
                .double(self.resources.memoryHighWatermark),
                isSecret: false
            ),
            AbsoluteConfigKey(ConfigurationKeys.diskFreeLimit): .init(
                .int(self.resources.diskFreeLimit), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.fsync): .init(.string(self.storage.fsync.rawValue), isSecret: false),
            AbsoluteConfigKey(ConfigurationKeys.fsyncIntervalMilliseconds): .init(
                .int(self.storage.fsyncIntervalMilliseconds),
                isSecret: false
            ),
            AbsoluteConfigKey(ConfigurationKeys.segmentMaxBytes): .init(
                .int(self.storage.segmentMaxBytes), isSecret: false),
        ]
        for (label, level) in self.logLevels {
            values[AbsoluteConfigKey(ConfigurationKeys.logLevel(of: label))] = .init(
                .string(level.rawValue), isSecret: false)
        }
        values.merge(self.http.configValues) { _, new in new }
        values.merge(self.limits.configValues) { _, new in new }
        values.merge(self.sqs.configValues) { _, new in new }
        values.merge(self.queues.configValues) { _, new in new }
        for user in self.users {
            values[AbsoluteConfigKey(ConfigurationKeys.password(of: user.name))] = .init(
                .string(user.password), isSecret: true)
            values[AbsoluteConfigKey(ConfigurationKeys.tags(of: user.name))] = .init(
                .stringArray(user.tags.sorted()), isSecret: false)
            values[AbsoluteConfigKey(ConfigurationKeys.loopbackOnly(of: user.name))] = .init(
                .bool(user.loopbackOnly), isSecret: false)
        }
        return values
    }
}

extension ConfigurationOverrides {
    /// The flags that were given, as provider values: the top layer of `JunctionConfiguration.load`.
    var configValues: [AbsoluteConfigKey: ConfigValue] {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        func set(_ key: ConfigKey, _ content: ConfigContent?) {
            if let content { values[AbsoluteConfigKey(key)] = ConfigValue(content, isSecret: false) }
        }
        set(ConfigurationKeys.dataDirectory, self.dataDirectory.map(ConfigContent.string))
        set(ConfigurationKeys.bindHost, self.bindHost.map(ConfigContent.string))
        set(ConfigurationKeys.amqpPort, self.amqpPort.map(ConfigContent.int))
        set(ConfigurationKeys.mqttPort, self.mqttPort.map(ConfigContent.int))
        set(ConfigurationKeys.stompPort, self.stompPort.map(ConfigContent.int))
        set(ConfigurationKeys.httpPort, self.httpPort.map(ConfigContent.int))
        set(ConfigurationKeys.sqsPort, self.sqsPort.map(ConfigContent.int))
        set(ConfigurationKeys.amqpsPort, self.amqpsPort.map(ConfigContent.int))
        set(ConfigurationKeys.mqttsPort, self.mqttsPort.map(ConfigContent.int))
        set(ConfigurationKeys.stompsPort, self.stompsPort.map(ConfigContent.int))
        set(ConfigurationKeys.httpsPort, self.httpsPort.map(ConfigContent.int))
        set(ConfigurationKeys.tlsCertFile, self.tlsCertFile.map(ConfigContent.string))
        set(ConfigurationKeys.tlsKeyFile, self.tlsKeyFile.map(ConfigContent.string))
        set(ConfigurationKeys.tlsCAFile, self.tlsCAFile.map(ConfigContent.string))
        set(ConfigurationKeys.logLevel, self.logLevel.map(ConfigContent.string))
        set(ConfigurationKeys.logFormat, self.logFormat.map(ConfigContent.string))
        return values
    }
}
