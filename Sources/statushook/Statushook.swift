import ArgumentParser
import Foundation
import Logging
import StatushookCore

struct Statushook: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "statushook",
        abstract: "Receives Twilio TrustHub status callbacks, records every transition in PostgreSQL, and notifies sinks.",
        version: StatushookVersion.current,
        subcommands: [Serve.self, Migrate.self, CheckConfig.self, Sign.self, Deliveries.self, Replay.self, Sinks.self, History.self, Subscribe.self]
    )
}

/// Options shared by the commands that read a configuration file.
struct ConfigurationOptions: ParsableArguments {
    @Option(name: .long, help: "The configuration file (key = value). Without it, the embedded example configuration.")
    var config: String?

    /// The configuration, or the errors printed and a failing exit.
    func load() throws -> Configuration {
        let environment = ProcessInfo.processInfo.environment
        do {
            if let config {
                return try ConfigurationLoader.load(path: config, environment: environment)
            }
            return try ConfigurationLoader.parse(ExampleConfiguration.text, source: "<embedded example>",
                                                 environment: environment,
                                                 readFile: { try String(contentsOfFile: $0, encoding: .utf8) })
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}

func bootstrapLogging(_ configuration: Configuration) {
    let level = Logger.Level(rawValue: configuration.logLevel.rawValue) ?? .info
    let format: LineLogHandler.Format = configuration.logFormat == .text ? .text : .json
    LoggingSystem.bootstrap { label in LineLogHandler(label: label, format: format, level: level) }
}
