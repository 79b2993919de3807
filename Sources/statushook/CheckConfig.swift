import ArgumentParser
import Foundation
import StatushookCore

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file; print every error with its line and exit non-zero.")

    @Argument(help: "The configuration file.")
    var file: String

    func run() throws {
        do {
            let configuration = try ConfigurationLoader.load(path: file, environment: ProcessInfo.processInfo.environment)
            print("\(file): ok (\(configuration.sinks.count) sink(s))")
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
    }
}
