import Locking

/// A counter per combination of label values; only goes up.
public final class CounterFamily: Sendable {
    public let name: String
    public let help: String
    public let labelNames: [String]
    /// Each series' value by its label values (in `labelNames` order); the mutex makes updates
    /// from the HTTP, writer and dispatcher threads safe.
    private let values: Locked<[[String]: Double]>

    /// A family without labels starts with its one series at zero, so that it shows before use.
    public init(name: String, help: String, labelNames: [String] = []) {
        self.name = name
        self.help = help
        self.labelNames = labelNames
        values = Locked(labelNames.isEmpty ? [[]: 0] : [:])
    }

    /// Adds `amount` (not negative) to the series named by `labelValues`, creating it at zero.
    public func increment(_ labelValues: [String] = [], by amount: Double = 1) {
        precondition(labelValues.count == labelNames.count, "\(name) takes labels \(labelNames)")
        precondition(amount >= 0, "a counter only goes up")
        values.withLock { $0[labelValues, default: 0] += amount }
    }

    /// The current value of one series (zero if it was never touched).
    public func value(_ labelValues: [String] = []) -> Double {
        values.withLock { $0[labelValues] ?? 0 }
    }

    public func snapshot() -> MetricFamilySnapshot {
        let series = values.withLock { $0 }
        return MetricFamilySnapshot(name: name, help: help, kind: .counter, samples: LabelledSeries.sorted(series).map {
            MetricSample(name: name, labels: LabelledSeries.labels(labelNames, $0.key), value: $0.value)
        })
    }
}

/// Ordering and labelling shared by the families: series sorted by label values, for a stable page.
enum LabelledSeries {
    static func sorted<Value>(_ series: [[String]: Value]) -> [(key: [String], value: Value)] {
        series.sorted { $0.key.lexicographicallyPrecedes($1.key) }
    }

    static func labels(_ names: [String], _ values: [String]) -> [MetricSample.Label] {
        zip(names, values).map { MetricSample.Label($0, $1) }
    }
}
