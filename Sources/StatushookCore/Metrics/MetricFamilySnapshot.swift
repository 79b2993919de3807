/// One metric family as it is exposed at one moment: what `/metrics` renders.
///
/// A histogram arrives here already expanded into its `_bucket`, `_sum` and `_count` samples.
public struct MetricFamilySnapshot: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case counter, gauge, histogram
    }

    public var name: String
    public var help: String
    public var kind: Kind
    public var samples: [MetricSample]

    public init(name: String, help: String, kind: Kind, samples: [MetricSample]) {
        self.name = name
        self.help = help
        self.kind = kind
        self.samples = samples
    }
}

/// One line of the exposition: a sample name (the family's, or with a histogram's suffix),
/// its labels in order, and its value.
public struct MetricSample: Sendable, Equatable {
    public struct Label: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var name: String
    public var labels: [Label]
    public var value: Double

    public init(name: String, labels: [Label] = [], value: Double) {
        self.name = name
        self.labels = labels
        self.value = value
    }
}
