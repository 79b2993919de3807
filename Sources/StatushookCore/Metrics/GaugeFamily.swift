import Locking

/// A gauge per combination of label values: a value that is set, and may go up or down.
public final class GaugeFamily: Sendable {
    public let name: String
    public let help: String
    public let labelNames: [String]
    /// Each series' value by its label values; the mutex makes updates from any thread safe.
    private let values: Locked<[[String]: Double]>

    public init(name: String, help: String, labelNames: [String] = []) {
        self.name = name
        self.help = help
        self.labelNames = labelNames
        values = Locked(labelNames.isEmpty ? [[]: 0] : [:])
    }

    public func set(_ labelValues: [String] = [], to value: Double) {
        precondition(labelValues.count == labelNames.count, "\(name) takes labels \(labelNames)")
        values.withLock { $0[labelValues] = value }
    }

    public func value(_ labelValues: [String] = []) -> Double {
        values.withLock { $0[labelValues] ?? 0 }
    }

    public func snapshot() -> MetricFamilySnapshot {
        let series = values.withLock { $0 }
        return MetricFamilySnapshot(name: name, help: help, kind: .gauge, samples: LabelledSeries.sorted(series).map {
            MetricSample(name: name, labels: LabelledSeries.labels(labelNames, $0.key), value: $0.value)
        })
    }
}
