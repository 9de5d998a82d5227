import Configuration
import Foundation
import JunctionServer
import Logging
import Testing

@Suite("Server configuration loading")
struct ServerConfigurationLoadingTests {
    private static let shippedFile = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("conf/junction.yaml")
        .path

    /// Writes `yaml` to a fresh temporary file and returns its path.
    private static func temporaryYAML(_ yaml: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("junction-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("junction.yaml")
        try Data(yaml.utf8).write(to: file)
        return file.path
    }

    @Test func shippedYAMLAloneParsesToExactlyTheCompiledDefaults() async throws {
        // No defaults layer: every key must be present in the file for this to succeed.
        let provider = try await JunctionConfiguration.yamlProvider(path: Self.shippedFile)
        let parsed = try JunctionConfiguration(reading: ConfigReader(provider: provider))
        #expect(parsed == JunctionConfiguration())
    }

    @Test func compiledDefaultsAreTheDocumentedValues() {
        let defaults = JunctionConfiguration()
        #expect(
            defaults.listeners
                == ListenersConfiguration(
                    bindHost: "127.0.0.1", amqpPort: 5672, mqttPort: 1883, stompPort: 61613, httpPort: 15672))
        #expect(defaults.dataDirectory == "./data")
        #expect(defaults.amqp.frameMax == 131_072)
        #expect(defaults.amqp.channelMax == 2047)
        #expect(defaults.amqp.heartbeat == .seconds(60))
        #expect(defaults.amqp.maxMessageSize == 134_217_728)
        #expect(defaults.amqp.handshakeTimeout == .seconds(10))
        #expect(
            defaults.users == [
                UserConfiguration(name: "guest", password: "guest", tags: ["administrator"], loopbackOnly: true)
            ])
        #expect(defaults.defaultVirtualHost == "/")
        #expect(defaults.logLevel == .info)
        #expect(defaults.mqtt == MQTTConfiguration(allowAnonymous: true, anonymousUser: "guest"))
    }

    @Test func loadingWithNothingGivesTheDefaults() async throws {
        let loaded = try await JunctionConfiguration.load(configFile: nil, environment: ["PATH": "/bin"])
        #expect(loaded == JunctionConfiguration())
    }

    @Test func fileOverridesDefaultsOnlyForTheKeysItSets() async throws {
        let path = try Self.temporaryYAML(
            """
            listeners:
              amqp_port: 5800
            amqp:
              frame_max: 8192
            log_level: debug
            """
        )
        let loaded = try await JunctionConfiguration.load(configFile: path, environment: [:])
        var expected = JunctionConfiguration()
        expected.listeners.amqpPort = 5800
        expected.amqp.frameMax = 8192
        expected.logLevel = .debug
        #expect(loaded == expected)
    }

    @Test func environmentOverridesFileAndFlagsOverrideEnvironment() async throws {
        let path = try Self.temporaryYAML(
            """
            listeners:
              amqp_port: 5800
              mqtt_port: 1900
              bind: 10.0.0.1
            data_dir: /from/file
            """
        )
        let environment = [
            "JUNCTION_AMQP_PORT": "5900",
            "JUNCTION_MQTT_PORT": "0",
            "JUNCTION_STOMP_PORT": "61700",
            "JUNCTION_HTTP_PORT": "15700",
            "JUNCTION_BIND": "0.0.0.0",
            "JUNCTION_DATA_DIR": "/from/env",
            "JUNCTION_LOG_LEVEL": "warning",
            "JUNCTION_AMQP_FRAME_MAX": "65536",
        ]
        let fromEnvironment = try await JunctionConfiguration.load(configFile: path, environment: environment)
        #expect(
            fromEnvironment.listeners
                == ListenersConfiguration(
                    bindHost: "0.0.0.0", amqpPort: 5900, mqttPort: 0, stompPort: 61700, httpPort: 15700))
        #expect(fromEnvironment.dataDirectory == "/from/env")
        #expect(fromEnvironment.logLevel == .warning)
        #expect(fromEnvironment.amqp.frameMax == 65536)

        let overrides = ConfigurationOverrides(
            dataDirectory: "/from/flag",
            bindHost: "::1",
            amqpPort: 6000,
            mqttPort: 6001,
            stompPort: 6002,
            httpPort: 0,
            logLevel: "error"
        )
        let fromFlags = try await JunctionConfiguration.load(
            configFile: path, environment: environment, overrides: overrides)
        #expect(
            fromFlags.listeners
                == ListenersConfiguration(bindHost: "::1", amqpPort: 6000, mqttPort: 6001, stompPort: 6002, httpPort: 0)
        )
        #expect(fromFlags.dataDirectory == "/from/flag")
        #expect(fromFlags.logLevel == .error)
        #expect(fromFlags.amqp.frameMax == 65536)
    }

    @Test func usersFromTheFileReplaceTheDefaultList() async throws {
        let path = try Self.temporaryYAML(
            """
            users:
              names: [alice, bob]
              alice:
                password: wonderland
                tags: [monitoring, management]
                loopback_only: false
              bob:
                password: builder
            mqtt:
              anonymous_user: bob
            """
        )
        let loaded = try await JunctionConfiguration.load(configFile: path, environment: [:])
        #expect(
            loaded.users == [
                UserConfiguration(
                    name: "alice", password: "wonderland", tags: ["monitoring", "management"], loopbackOnly: false),
                UserConfiguration(name: "bob", password: "builder", tags: [], loopbackOnly: false),
            ]
        )
        #expect(loaded.user(named: "guest") == nil)
        #expect(loaded.mqtt.anonymousUser == "bob")
    }

    @Test func userWithoutPasswordIsRejected() async throws {
        let path = try Self.temporaryYAML(
            """
            users:
              names: [guest, carol]
              carol:
                tags: [administrator]
            """
        )
        await #expect(throws: ConfigurationError.self) {
            try await JunctionConfiguration.load(configFile: path, environment: [:])
        }
    }

    @Test(arguments: [
        "listeners:\n  amqp_port: 70000\n",
        "listeners:\n  http_port: -1\n",
        "listeners:\n  amqp_port: fifty\n",
        "amqp:\n  frame_max: 1024\n",
        "amqp:\n  channel_max: 0\n",
        "amqp:\n  heartbeat_seconds: 70000\n",
        "amqp:\n  handshake_timeout_seconds: 0\n",
        "amqp:\n  max_message_size: 0\n",
        "log_level: loud\n",
        "data_dir: \"\"\n",
        "mqtt:\n  anonymous_user: nobody\n",
        "users:\n  names: [guest, guest]\n",
        "users:\n  names: [a.b]\n  a.b:\n    password: x\n",
    ])
    func invalidFileValuesAreRejected(yaml: String) async throws {
        let path = try Self.temporaryYAML(yaml)
        await #expect(throws: ConfigurationError.self) {
            try await JunctionConfiguration.load(configFile: path, environment: [:])
        }
    }

    @Test func invalidEnvironmentValueIsRejected() async {
        await #expect(throws: ConfigurationError.self) {
            try await JunctionConfiguration.load(configFile: nil, environment: ["JUNCTION_AMQP_PORT": "abc"])
        }
    }

    @Test func maxKeepAliveIsAnotherNameForTheSecondsKeyAndWinsWhenSet() async throws {
        let unset = try await JunctionConfiguration.load(
            configFile: nil, environment: ["JUNCTION_MQTT_MAX_KEEP_ALIVE_SECONDS": "40"])
        #expect(unset.mqtt.maxKeepAliveSeconds == 40)
        let both = try await JunctionConfiguration.load(
            configFile: nil,
            environment: ["JUNCTION_MQTT_MAX_KEEP_ALIVE_SECONDS": "40", "JUNCTION_MQTT_MAX_KEEP_ALIVE": "25"])
        #expect(both.mqtt.maxKeepAliveSeconds == 25)
        await #expect(throws: ConfigurationError.self) {
            try await JunctionConfiguration.load(configFile: nil, environment: ["JUNCTION_MQTT_MAX_KEEP_ALIVE": "soon"])
        }
    }

    @Test func readsPerTurnDefaultsToTwoAndIsBounded() async throws {
        #expect(JunctionConfiguration().limits.readsPerTurn == 2)
        let one = try await JunctionConfiguration.load(
            configFile: nil, environment: ["JUNCTION_LIMITS_READS_PER_TURN": "1"])
        #expect(one.limits.readsPerTurn == 1)
        for value in ["0", "65"] {
            await #expect(throws: ConfigurationError.self) {
                try await JunctionConfiguration.load(
                    configFile: nil, environment: ["JUNCTION_LIMITS_READS_PER_TURN": value])
            }
        }
    }

    @Test func missingFileIsRejected() async {
        await #expect(throws: ConfigurationError.self) {
            try await JunctionConfiguration.load(configFile: "/nonexistent/junction.yaml", environment: [:])
        }
    }

    @Test func anonymousUserNeedNotExistWhenAnonymousIsOff() async throws {
        let path = try Self.temporaryYAML("mqtt:\n  allow_anonymous: false\n  anonymous_user: nobody\n")
        let loaded = try await JunctionConfiguration.load(configFile: path, environment: [:])
        #expect(loaded.mqtt == MQTTConfiguration(allowAnonymous: false, anonymousUser: "nobody"))
    }
}
