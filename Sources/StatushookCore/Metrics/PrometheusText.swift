/// The Prometheus text exposition format, version 0.0.4: pure rendering, no state.
public enum PrometheusText {
    /// The Content-Type that names this format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// `# HELP`, `# TYPE`, then the samples of each family, in the order given.
    public static func render(_ families: [MetricFamilySnapshot]) -> String {
        var text = ""
        for family in families {
            text += "# HELP \(family.name) \(escapeHelp(family.help))\n"
            text += "# TYPE \(family.name) \(family.kind.rawValue)\n"
            for sample in family.samples {
                text += sample.name
                if !sample.labels.isEmpty {
                    text += "{"
                    text += sample.labels.map { "\($0.name)=\"\(escapeLabelValue($0.value))\"" }.joined(separator: ",")
                    text += "}"
                }
                text += " \(format(sample.value))\n"
            }
        }
        return text
    }

    /// A label value between double quotes: backslash, double quote and line feed escaped.
    public static func escapeLabelValue(_ value: String) -> String {
        escape(value, quotes: true)
    }

    /// Help text: backslash and line feed escaped (a double quote may stand as it is).
    public static func escapeHelp(_ help: String) -> String {
        escape(help, quotes: false)
    }

    private static func escape(_ text: String, quotes: Bool) -> String {
        // By scalar, not Character: "\r\n" is one Character and would hide its line feed.
        var escaped = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": escaped.append(contentsOf: "\\\\".unicodeScalars)
            case "\"" where quotes: escaped.append(contentsOf: "\\\"".unicodeScalars)
            case "\n": escaped.append(contentsOf: "\\n".unicodeScalars)
            default: escaped.append(scalar)
            }
        }
        return String(escaped)
    }

    /// A sample value or bucket bound: whole numbers without a fraction, `+Inf`, `-Inf`, `NaN`.
    public static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
