/// `log_format`: one JSON object a line (for collectors), or plain text (for a terminal).
public enum LogFormat: String, Sendable, CaseIterable {
    case json, text
}
