import CoreMetrics
import Locking
import Prometheus

/// One counter family of a `PrometheusCollectorRegistry`, its series kept by label values, so that
/// counting costs a dictionary lookup and an atomic add: the registry (which finds a series by its
/// strings under one lock for all families) is asked only the first time a series is seen.
///
/// The series are swift-metrics `Counter`s over handlers that the registry makes itself, not through
/// `PrometheusMetricsFactory`: the factory registers every series with an empty help text, and the
/// registry stops the process if one name gets two help texts, so HELP lines need the registry.
final class CounterSeries<Key: Hashable & Sendable>: Sendable {
    let name: String
    let help: String
    private let labelNames: [String]
    private let labelValues: @Sendable (Key) -> [String]
    private let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    /// The series that exist from the start (at zero, so that a rate() has a baseline), read without a lock.
    private let baseline: [Key: CoreMetrics.Counter]
    /// The series made on first use, behind a lock of this family's own.
    private let later: Locked<[Key: CoreMetrics.Counter]>

    init(name: String, help: String, labelNames: [String], baseline: [Key] = [], registry: PrometheusCollectorRegistry,
         labelValues: @escaping @Sendable (Key) -> [String]) {
        precondition(!labelNames.isEmpty, "a family without labels is one Counter, not a CounterSeries")
        self.name = name
        self.help = help
        self.labelNames = labelNames
        self.labelValues = labelValues
        self.registry = registry
        factory = PrometheusMetricsFactory(registry: registry)
        later = Locked([:])
        var made: [Key: CoreMetrics.Counter] = [:]
        for key in baseline {
            made[key] = Self.make(key, name: name, help: help, labelNames: labelNames, labelValues: labelValues,
                                  registry: registry, factory: factory)
        }
        self.baseline = made
    }

    /// Adds `amount` to the series `key`, making it on first use.
    func increment(_ key: Key, by amount: Int = 1) {
        counter(key).increment(by: amount)
    }

    private func counter(_ key: Key) -> CoreMetrics.Counter {
        if let known = baseline[key] { return known }
        return later.withLock { made in
            if let known = made[key] { return known }
            // Registered while this family's lock is held: `hasSeries` then never says no to a
            // family the registry already holds.
            let fresh = Self.make(key, name: name, help: help, labelNames: labelNames, labelValues: labelValues,
                                  registry: registry, factory: factory)
            made[key] = fresh
            return fresh
        }
    }

    /// Whether the registry holds a series of this family (else its `emit` leaves the family out).
    var hasSeries: Bool {
        !baseline.isEmpty || !later.withLock { $0.isEmpty }
    }

    private static func make(_ key: Key, name: String, help: String, labelNames: [String],
                             labelValues: @Sendable (Key) -> [String], registry: PrometheusCollectorRegistry,
                             factory: PrometheusMetricsFactory) -> CoreMetrics.Counter {
        let values = labelValues(key)
        precondition(values.count == labelNames.count, "\(name) takes labels \(labelNames)")
        let labels = Array(zip(labelNames, values))
        let handler = registry.makeCounter(descriptor: .named(name, help: help), labels: labels)
        return CoreMetrics.Counter(label: name, dimensions: labels, handler: handler, factory: factory)
    }
}

extension MetricNameDescriptor {
    /// A descriptor for a name given whole (the descriptor joins its parts with `_`; empty parts are left out).
    static func named(_ name: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}
