/// Whether a sink's workers deliver at full speed or yield to ingest, decided without I/O and
/// shared by the sink's workers (behind their lock).
///
/// While callbacks arrive faster than `burstRate` a second (a burst), delivery is never on an
/// answer's path but would take CPU (its own and PostgreSQL's) from the callbacks still
/// arriving: the sink then takes one batch each `trickle` (so its news still trickles out and
/// a burst that never ends cannot starve it), and the rest waits until the burst is over, when
/// every worker catches up at full speed. A burst ends when the rate is down to half of
/// `burstRate`, so that a rate hovering about it does not flip delivery (and the log) on and off
/// every second. `burstRate` 0: never yield.
struct DeliveryYield: Equatable {
    let burstRate: Int
    let trickle: Duration
    /// Whether a burst is on, as of the last decision.
    private(set) var inBurst = false
    /// When the sink's last batch of this burst was allowed; nil outside a burst.
    private(set) var lastBatch: ContinuousClock.Instant?

    enum Decision: Equatable {
        /// Claim as usual.
        case full
        /// A burst: claim one batch, the sink's one for this `trickle`.
        case oneBatch
        /// A burst: the sink's batch for now was taken; look again after this long.
        case wait(Duration)
    }

    init(burstRate: Int, trickle: Duration) {
        self.burstRate = burstRate
        self.trickle = trickle
    }

    /// `rate`: callbacks per second over the last second (``IngestPressure``).
    mutating func decide(rate: Int, now: ContinuousClock.Instant) -> Decision {
        if burstRate <= 0 {
            inBurst = false
        } else if inBurst {
            inBurst = rate > burstRate / 2
        } else {
            inBurst = rate > burstRate
        }
        guard inBurst else {
            lastBatch = nil
            return .full
        }
        if let lastBatch, now - lastBatch < trickle {
            return .wait(trickle - (now - lastBatch))
        }
        lastBatch = now
        return .oneBatch
    }
}
