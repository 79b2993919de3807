import Locking

/// A histogram with fixed buckets, one series per combination of label values.
public final class HistogramFamily: Sendable {
    public let name: String
    public let help: String
    public let labelNames: [String]
    /// Upper bounds, ascending; `+Inf` is implied.
    public let bounds: [Double]
    /// Each series by its label values; the mutex makes observations from any thread safe.
    private let series: Locked<[[String]: Series]>

    /// Observations per bucket (not cumulative: the snapshot adds them up), their sum and count.
    private struct Series {
        var counts: [UInt64]
        var sum: Double = 0
        var count: UInt64 = 0

        init(buckets: Int) { counts = Array(repeating: 0, count: buckets) }
    }

    public init(name: String, help: String, labelNames: [String] = [], bounds: [Double]) {
        precondition(!bounds.isEmpty && zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 },
                     "bucket bounds must be ascending")
        precondition(bounds.allSatisfy(\.isFinite), "+Inf is implied; bounds are finite")
        self.name = name
        self.help = help
        self.labelNames = labelNames
        self.bounds = bounds
        series = Locked(labelNames.isEmpty ? [[]: Series(buckets: bounds.count)] : [:])
    }

    public func observe(_ value: Double, _ labelValues: [String] = []) {
        precondition(labelValues.count == labelNames.count, "\(name) takes labels \(labelNames)")
        let bucket = bounds.firstIndex { value <= $0 }
        series.withLock { all in
            var one = all[labelValues] ?? Series(buckets: bounds.count)
            if let bucket { one.counts[bucket] += 1 }
            one.sum += value
            one.count += 1
            all[labelValues] = one
        }
    }

    /// `_bucket` samples with cumulative counts (`le` last, `+Inf` equal to `_count`), then `_sum`, `_count`.
    public func snapshot() -> MetricFamilySnapshot {
        let all = series.withLock { $0 }
        var samples: [MetricSample] = []
        for (labelValues, one) in LabelledSeries.sorted(all) {
            let labels = LabelledSeries.labels(labelNames, labelValues)
            var cumulative: UInt64 = 0
            for (bound, count) in zip(bounds, one.counts) {
                cumulative += count
                samples.append(MetricSample(name: name + "_bucket", labels: labels + [.init("le", PrometheusText.format(bound))],
                                            value: Double(cumulative)))
            }
            samples.append(MetricSample(name: name + "_bucket", labels: labels + [.init("le", "+Inf")], value: Double(one.count)))
            samples.append(MetricSample(name: name + "_sum", labels: labels, value: one.sum))
            samples.append(MetricSample(name: name + "_count", labels: labels, value: Double(one.count)))
        }
        return MetricFamilySnapshot(name: name, help: help, kind: .histogram, samples: samples)
    }
}
