import ArgumentParser
import Logging
import StatushookCore

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon: receive callbacks, record them, answer /healthz and /readyz.")

    @OptionGroup var options: ConfigurationOptions

    @Flag(help: "Apply pending migrations before serving (otherwise serve refuses to start with pending ones).")
    var migrate = false

    func run() throws {
        let configuration = try options.load()
        bootstrapLogging(configuration)
        let logger = Logger(label: "statushook")
        do {
            let daemon = try Daemon(configuration: configuration,
                                    options: .init(configurationPath: options.config, applyMigrations: migrate),
                                    logger: logger)
            let code = try daemon.run()
            if code != 0 { throw ExitCode(code) }
        } catch let error as Daemon.StartupError {
            logger.critical("statushook cannot start", metadata: ["error": "\(error.description)"])
            throw ExitCode(1)
        }
    }
}
