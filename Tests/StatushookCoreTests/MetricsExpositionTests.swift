import Testing
@testable import StatushookCore

@Suite("Metrics: the Prometheus text exposition")
struct MetricsExpositionTests {
    @Test("a counter renders HELP, TYPE and one line per series, sorted by label values")
    func counter() {
        let counter = CounterFamily(name: "x_total", help: "Things counted.", labelNames: ["sink", "outcome"])
        counter.increment(["web", "transient"])
        counter.increment(["mail", "delivered"], by: 2)
        counter.increment(["web", "transient"])
        #expect(PrometheusText.render([counter.snapshot()]) == """
            # HELP x_total Things counted.
            # TYPE x_total counter
            x_total{sink="mail",outcome="delivered"} 2
            x_total{sink="web",outcome="transient"} 2

            """)
    }

    @Test("a family without labels shows its one series at zero before any use")
    func unlabelledStartsAtZero() {
        #expect(PrometheusText.render([CounterFamily(name: "c_total", help: "h").snapshot(),
                                       GaugeFamily(name: "g", help: "h").snapshot()]) == """
            # HELP c_total h
            # TYPE c_total counter
            c_total 0
            # HELP g h
            # TYPE g gauge
            g 0

            """)
    }

    @Test("label values escape backslash, double quote and line feed; help escapes backslash and line feed")
    func escaping() {
        let gauge = GaugeFamily(name: "g", help: "a \\ b\nc \"quoted\"", labelNames: ["v"])
        gauge.set(["back\\slash \"quoted\"\nline\r\nend"], to: 1.5)
        #expect(PrometheusText.render([gauge.snapshot()]) == """
            # HELP g a \\\\ b\\nc "quoted"
            # TYPE g gauge
            g{v="back\\\\slash \\"quoted\\"\\nline\r\\nend"} 1.5

            """)
    }

    @Test("values: whole numbers without a fraction, infinities and NaN by their names")
    func values() {
        #expect(PrometheusText.format(0) == "0")
        #expect(PrometheusText.format(42) == "42")
        #expect(PrometheusText.format(-3) == "-3")
        #expect(PrometheusText.format(0.0025) == "0.0025")
        #expect(PrometheusText.format(2.5) == "2.5")
        #expect(PrometheusText.format(.infinity) == "+Inf")
        #expect(PrometheusText.format(-.infinity) == "-Inf")
        #expect(PrometheusText.format(.nan) == "NaN")
    }

    @Test("a histogram's buckets are cumulative, end with +Inf equal to _count, then _sum and _count")
    func histogram() {
        let histogram = HistogramFamily(name: "h_seconds", help: "Latency.", bounds: [0.25, 0.5, 1])
        // Binary fractions, so that the sum is exact.
        for value in [0.125, 0.25, 0.375, 0.75, 3] { histogram.observe(value) }
        #expect(PrometheusText.render([histogram.snapshot()]) == """
            # HELP h_seconds Latency.
            # TYPE h_seconds histogram
            h_seconds_bucket{le="0.25"} 2
            h_seconds_bucket{le="0.5"} 3
            h_seconds_bucket{le="1"} 4
            h_seconds_bucket{le="+Inf"} 5
            h_seconds_sum 4.5
            h_seconds_count 5

            """)
    }

    @Test("a labelled histogram keeps its labels before le, one set of buckets per series")
    func labelledHistogram() {
        let histogram = HistogramFamily(name: "h", help: "h", labelNames: ["sink"], bounds: [1])
        #expect(histogram.snapshot().samples.isEmpty)
        histogram.observe(2, ["b"])
        histogram.observe(0.5, ["a"])
        #expect(histogram.snapshot().samples.map(\.name) == ["h_bucket", "h_bucket", "h_sum", "h_count",
                                                           "h_bucket", "h_bucket", "h_sum", "h_count"])
        #expect(histogram.snapshot().samples[0] == MetricSample(
            name: "h_bucket", labels: [.init("sink", "a"), .init("le", "1")], value: 1))
        #expect(histogram.snapshot().samples[5] == MetricSample(
            name: "h_bucket", labels: [.init("sink", "b"), .init("le", "+Inf")], value: 1))
    }

    @Test("counters hold up under many threads at once")
    func concurrentIncrements() async {
        let counter = CounterFamily(name: "c_total", help: "h", labelNames: ["k"])
        let histogram = HistogramFamily(name: "h", help: "h", bounds: [1])
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for _ in 0..<1000 {
                        counter.increment(["\(task % 2)"])
                        histogram.observe(0.5)
                    }
                }
            }
        }
        #expect(counter.value(["0"]) == 4000 && counter.value(["1"]) == 4000)
        #expect(histogram.snapshot().samples.last?.value == 8000)
    }
}
