import HTTPServer
import Logging

extension HTTPServerConfiguration {
    /// The listener the configuration describes (docs/contract.md §5's limits), with every client stopped
    /// by a limit logged as a warning (peer and reason, nothing the client sent) and counted.
    init(_ configuration: Configuration, logger: Logger, metrics: StatushookMetrics) {
        let headersTooLarge = TwilioErrorResponse.make(
            431, "request line and headers are larger than max_header_bytes (\(configuration.maxHeaderBytes) bytes)")
        let shuttingDown = TwilioErrorResponse.make(503, "statushook is shutting down; try again shortly",
                                                    headers: [("Retry-After", "1")])
        self.init(host: configuration.listenHost, port: configuration.listenPort,
                  threads: configuration.httpThreads, maxConnections: configuration.maxConnections,
                  requestTimeout: configuration.connectionTimeout, maxHeaderBytes: configuration.maxHeaderBytes,
                  headersTooLarge: headersTooLarge, shuttingDown: shuttingDown) { breach in
            metrics.httpLimitBreached(breach.reason)
            logger.warning("\(Self.explain(breach.reason))",
                           metadata: ["peer": "\(breach.peer)", "reason": "\(breach.reason.rawValue)"])
        }
    }

    static func explain(_ reason: HTTPLimitBreach.Reason) -> String {
        switch reason {
        case .requestTimeout: "client did not send its whole request within connection_timeout; connection closed"
        case .bodyTooLarge: "body without a length went far past max_body_bytes; connection closed unread"
        case .headersTooLarge: "request line and headers larger than max_header_bytes; answered 431"
        }
    }
}
