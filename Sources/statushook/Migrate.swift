import ArgumentParser
import PostgresClient
import StatushookCore

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending database migrations, in order, under an advisory lock.")

    @OptionGroup var options: ConfigurationOptions

    func run() throws {
        let configuration = try options.load()
        do {
            let connection = try configuration.database.connect()
            defer { connection.close() }
            let applied = try MigrationRunner.apply(EmbeddedMigrations.all, on: connection)
            if applied.isEmpty {
                print("migrations: current (\(EmbeddedMigrations.all.count) known, none pending)")
            } else {
                for migration in applied { print("applied \(migration.version) \(migration.name)") }
            }
        } catch {
            printError("statushook migrate: \(error)")
            throw ExitCode(1)
        }
    }
}
