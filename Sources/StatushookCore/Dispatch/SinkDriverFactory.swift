import Locking

/// Builds a dispatcher thread's drivers from the configured sinks. Log files are shared by
/// every thread (one file, one lock), and so is a chat sink's send window; SMTP sessions and
/// HTTP handles are each thread's own.
struct SinkDriverFactory: Sendable {
    let sinks: [SinkConfiguration]
    /// The log sinks' files, by sink name.
    let logFiles: [String: LogSinkFile]
    /// The chat sinks' send windows, by sink name.
    let chatWindows: [String: Locked<ChatSendWindow>]

    init(sinks: [SinkConfiguration]) {
        self.sinks = sinks
        var files: [String: LogSinkFile] = [:]
        for sink in sinks {
            if case .log(let settings) = sink.kind { files[sink.name] = LogSinkFile(path: settings.path) }
        }
        logFiles = files
        chatWindows = Dictionary(uniqueKeysWithValues: sinks.compactMap { sink in
            switch sink.kind {
            case .slack, .teams: (sink.name, Locked(ChatSendWindow()))
            default: nil
            }
        })
    }

    func make() -> [String: any SinkDriver] {
        var drivers: [String: any SinkDriver] = [:]
        for sink in sinks {
            switch sink.kind {
            case .log:
                drivers[sink.name] = LogSinkDriver(name: sink.name, file: logFiles[sink.name]!)
            case .smtp(let settings):
                drivers[sink.name] = SMTPSinkDriver(name: sink.name, settings: settings)
            case .webhook(let settings):
                drivers[sink.name] = WebhookSinkDriver(name: sink.name, settings: settings)
            case .slack(let settings):
                drivers[sink.name] = ChatSinkDriver(name: sink.name, service: .slack, settings: settings,
                                                    window: chatWindows[sink.name]!)
            case .teams(let settings):
                drivers[sink.name] = ChatSinkDriver(name: sink.name, service: .teams, settings: settings,
                                                    window: chatWindows[sink.name]!)
            }
        }
        return drivers
    }

    /// After logrotate moved the files away (SIGHUP).
    func reopenLogFiles() {
        for file in logFiles.values { file.reopen() }
    }
}
