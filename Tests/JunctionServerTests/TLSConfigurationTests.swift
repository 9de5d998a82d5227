import Foundation
import JunctionServer
import Logging
import Testing

@Suite("Server TLS configuration")
struct ServerTLSConfigurationTests {
    private static func temporaryYAML(_ yaml: String) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "junction-tls-\(UUID().uuidString).yaml")
        try Data(yaml.utf8).write(to: file)
        return file.path
    }

    @Test func defaultsHaveTheStandardPortsAndNoCertificate() {
        let defaults = JunctionConfiguration()
        #expect(defaults.listeners.amqpsPort == 5671)
        #expect(defaults.listeners.mqttsPort == 8883)
        #expect(defaults.listeners.stompsPort == 61614)
        #expect(defaults.listeners.httpsPort == 15671)
        #expect(defaults.tls == TLSSettings(certFile: "", keyFile: "", caFile: "", verifyPeer: .none))
        #expect(!defaults.tls.isEnabled)
        #expect(!defaults.mqtt.useIdentityAsUsername)
    }

    @Test func fileThenEnvironmentThenFlags() async throws {
        let path = try Self.temporaryYAML(
            """
            listeners:
              amqps_port: 5001
              mqtts_port: 5002
            tls:
              cert_file: /file/cert.pem
              key_file: /file/key.pem
              ca_file: /file/ca.pem
              verify_peer: optional
            mqtt:
              use_identity_as_username: true
            """
        )
        let fromFile = try await JunctionConfiguration.load(configFile: path, environment: [:])
        #expect(fromFile.listeners.amqpsPort == 5001)
        #expect(fromFile.listeners.mqttsPort == 5002)
        #expect(fromFile.listeners.stompsPort == 61614)
        #expect(
            fromFile.tls
                == TLSSettings(
                    certFile: "/file/cert.pem", keyFile: "/file/key.pem", caFile: "/file/ca.pem", verifyPeer: .optional)
        )
        #expect(fromFile.mqtt.useIdentityAsUsername)

        let environment = [
            "JUNCTION_AMQPS_PORT": "6001",
            "JUNCTION_STOMPS_PORT": "6003",
            "JUNCTION_HTTPS_PORT": "0",
            "JUNCTION_TLS_CERT_FILE": "/env/cert.pem",
            "JUNCTION_TLS_VERIFY_PEER": "required",
            "JUNCTION_MQTT_USE_IDENTITY_AS_USERNAME": "false",
        ]
        let fromEnvironment = try await JunctionConfiguration.load(configFile: path, environment: environment)
        #expect(fromEnvironment.listeners.amqpsPort == 6001)
        #expect(fromEnvironment.listeners.mqttsPort == 5002)
        #expect(fromEnvironment.listeners.stompsPort == 6003)
        #expect(fromEnvironment.listeners.httpsPort == 0)
        #expect(fromEnvironment.tls.certFile == "/env/cert.pem")
        #expect(fromEnvironment.tls.keyFile == "/file/key.pem")
        #expect(fromEnvironment.tls.verifyPeer == .required)
        #expect(!fromEnvironment.mqtt.useIdentityAsUsername)

        let overrides = ConfigurationOverrides(
            amqpsPort: 7001, mqttsPort: 7002, stompsPort: 7003, httpsPort: 7004,
            tlsCertFile: "/flag/cert.pem", tlsKeyFile: "/flag/key.pem", tlsCAFile: "/flag/ca.pem"
        )
        let fromFlags = try await JunctionConfiguration.load(
            configFile: path, environment: environment, overrides: overrides)
        let ports: [Int] = [
            fromFlags.listeners.amqpsPort, fromFlags.listeners.mqttsPort, fromFlags.listeners.stompsPort,
            fromFlags.listeners.httpsPort,
        ]
        #expect(ports == [7001, 7002, 7003, 7004])
        #expect(
            fromFlags.tls
                == TLSSettings(
                    certFile: "/flag/cert.pem", keyFile: "/flag/key.pem", caFile: "/flag/ca.pem", verifyPeer: .required)
        )
    }

    @Test(arguments: [
        "tls:\n  verify_peer: sometimes\n",
        "tls:\n  cert_file: /c.pem\n",
        "tls:\n  key_file: /k.pem\n",
        "tls:\n  cert_file: /c.pem\n  key_file: /k.pem\n  verify_peer: optional\n",
        "tls:\n  cert_file: /c.pem\n  key_file: /k.pem\n  verify_peer: required\n",
        "listeners:\n  amqps_port: 70000\n",
        "listeners:\n  https_port: -1\n",
    ])
    func inconsistentTLSSettingsAreRejected(yaml: String) async throws {
        let path = try Self.temporaryYAML(yaml)
        await #expect(throws: ConfigurationError.self) {
            try await JunctionConfiguration.load(configFile: path, environment: [:])
        }
    }

    @Test func unreadableCertificateFilesStopTheStart() async throws {
        var configuration = JunctionConfiguration()
        configuration.dataDirectory =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("junction-tls-\(UUID().uuidString)").path
        configuration.tls = TLSSettings(certFile: "/nonexistent/cert.pem", keyFile: "/nonexistent/key.pem")
        let server = JunctionServer(configuration: configuration, logger: Logger(label: "test"))
        await #expect(throws: ConfigurationError.self) {
            _ = try await server.start()
        }
    }
}
