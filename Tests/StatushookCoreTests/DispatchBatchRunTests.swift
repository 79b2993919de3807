import Testing
@testable import StatushookCore

@Suite("Dispatch: what a worker does with a claimed batch (DispatchBatchRun)")
struct DispatchBatchRunTests {
    private static let lease = Duration.seconds(300)

    /// One claim's fate in a scenario: its sink, whether its attempt delivers, and whether a
    /// recorded failure pauses its sink.
    private struct Claim {
        var sink: String
        var delivers: Bool
        var pausesOnFailure: Bool
    }

    /// Drives the machine the way the worker does; `stopAfter`/`halfLeaseAfter`: after that many
    /// attempts the dispatcher is stopping / half the lease has passed.
    private static func drive(_ claims: [Claim], stopAfter: Int? = nil,
                              halfLeaseAfter: Int? = nil) -> [DispatchBatchRun.Action] {
        var run = DispatchBatchRun(sinks: claims.map(\.sink), lease: lease)
        var actions: [DispatchBatchRun.Action] = []
        var attempts = 0
        while actions.count < 100 {
            let elapsed = halfLeaseAfter.map { attempts >= $0 } == true ? lease / 2 : .zero
            let action = run.next(elapsed: elapsed, stopping: stopAfter.map { attempts >= $0 } == true)
            actions.append(action)
            switch action {
            case .attempt(let index):
                attempts += 1
                run.attempted(index, delivered: claims[index].delivers)
            case .record(let indices):
                let paused = indices.filter { !claims[$0].delivers && claims[$0].pausesOnFailure }.map { claims[$0].sink }
                run.recorded(pausing: Set(paused))
            case .giveBack, .done:
                return actions
            }
        }
        return actions
    }

    /// The loop the worker ran before the decisions became a value, step for step: the spec.
    private static func reference(_ claims: [Claim], stopAfter: Int?, halfLeaseAfter: Int?) -> [DispatchBatchRun.Action] {
        var actions: [DispatchBatchRun.Action] = []
        var attempted: [Int] = []
        var unattempted: [Int] = []
        var paused: Set<String> = []
        var attempts = 0
        for (index, claim) in claims.enumerated() {
            let stopping = stopAfter.map { attempts >= $0 } == true
            let late = halfLeaseAfter.map { attempts >= $0 } == true
            if stopping || late || paused.contains(claim.sink) {
                unattempted.append(index)
                continue
            }
            actions.append(.attempt(index))
            attempts += 1
            attempted.append(index)
            if !claim.delivers {
                actions.append(.record(attempted))
                if claim.pausesOnFailure { paused.insert(claim.sink) }
                attempted.removeAll()
            }
        }
        if !attempted.isEmpty { actions.append(.record(attempted)) }
        actions.append(unattempted.isEmpty ? .done : .giveBack(unattempted))
        return actions
    }

    @Test("a batch that delivers is attempted in order and recorded once, at the end")
    func allDelivered() {
        let claims = (0..<3).map { _ in Claim(sink: "a", delivers: true, pausesOnFailure: false) }
        #expect(Self.drive(claims) == [.attempt(0), .attempt(1), .attempt(2), .record([0, 1, 2]), .done])
    }

    @Test("an empty batch is done at once")
    func empty() {
        #expect(Self.drive([]) == [.done])
    }

    @Test("a failure is recorded before the next attempt, with the deliveries before it")
    func failureRecordedAtOnce() {
        let claims = [Claim(sink: "a", delivers: true, pausesOnFailure: false),
                      Claim(sink: "a", delivers: false, pausesOnFailure: false),
                      Claim(sink: "a", delivers: true, pausesOnFailure: false)]
        #expect(Self.drive(claims) == [.attempt(0), .attempt(1), .record([0, 1]), .attempt(2), .record([2]), .done])
    }

    @Test("a failure that pauses its sink sends that sink's other claims back, not another sink's")
    func pauseGivesBackThatSink() {
        let claims = [Claim(sink: "a", delivers: false, pausesOnFailure: true),
                      Claim(sink: "b", delivers: true, pausesOnFailure: false),
                      Claim(sink: "a", delivers: true, pausesOnFailure: false)]
        #expect(Self.drive(claims) == [.attempt(0), .record([0]), .attempt(1), .record([1]), .giveBack([2])])
    }

    @Test("a stop attempts nothing more, records what was attempted and gives back the rest")
    func stop() {
        let claims = (0..<4).map { _ in Claim(sink: "a", delivers: true, pausesOnFailure: false) }
        #expect(Self.drive(claims, stopAfter: 2) == [.attempt(0), .attempt(1), .record([0, 1]), .giveBack([2, 3])])
        #expect(Self.drive(claims, stopAfter: 0) == [.giveBack([0, 1, 2, 3])])
    }

    @Test("once half the lease has passed no attempt starts; the rest goes back")
    func halfLease() {
        let claims = (0..<3).map { _ in Claim(sink: "a", delivers: true, pausesOnFailure: false) }
        #expect(Self.drive(claims, halfLeaseAfter: 1) == [.attempt(0), .record([0]), .giveBack([1, 2])])
        var run = DispatchBatchRun(sinks: ["a"], lease: Self.lease)
        let justBefore = run.next(elapsed: Self.lease / 2 - .nanoseconds(1), stopping: false)
        #expect(justBefore == .attempt(0))
        var late = DispatchBatchRun(sinks: ["a"], lease: Self.lease)
        let atHalf = late.next(elapsed: Self.lease / 2, stopping: false)
        #expect(atHalf == .giveBack([0]))
    }

    @Test("after the batch is over, the answer stays done")
    func staysDone() {
        var run = DispatchBatchRun(sinks: ["a"], lease: Self.lease)
        let actions = [true, false, false].map { run.next(elapsed: .zero, stopping: $0) }
        #expect(actions == [.giveBack([0]), .done, .done])
    }

    @Test("every batch of up to four claims over two sinks, every outcome, pause, stop and lease moment, runs as the old loop did")
    func exhaustive() {
        var scenarios = 0
        for count in 0...4 {
            let combinations = 1 << count
            for sinks in 0..<combinations {
                for delivers in 0..<combinations {
                    for pauses in 0..<combinations {
                        // A pause only matters for a claim that fails.
                        guard pauses & delivers == 0 else { continue }
                        let claims = (0..<count).map { index in
                            Claim(sink: sinks >> index & 1 == 0 ? "a" : "b",
                                  delivers: delivers >> index & 1 == 1,
                                  pausesOnFailure: pauses >> index & 1 == 1)
                        }
                        let moments: [Int?] = [nil] + Array(0...count)
                        for stopAfter in moments {
                            for halfLeaseAfter in moments {
                                scenarios += 1
                                let got = Self.drive(claims, stopAfter: stopAfter, halfLeaseAfter: halfLeaseAfter)
                                let want = Self.reference(claims, stopAfter: stopAfter, halfLeaseAfter: halfLeaseAfter)
                                if got != want {
                                    Issue.record("claims \(claims), stop after \(String(describing: stopAfter)), half lease after \(String(describing: halfLeaseAfter)): \(got), want \(want)")
                                    return
                                }
                            }
                        }
                    }
                }
            }
        }
        #expect(scenarios > 10_000)
    }

    @Test("every claim ends attempted and recorded once, or given back once, never both")
    func everyClaimAccountedFor() {
        for count in 0...5 {
            for delivers in 0..<(1 << count) {
                let claims = (0..<count).map { index in
                    Claim(sink: index % 2 == 0 ? "a" : "b", delivers: delivers >> index & 1 == 1, pausesOnFailure: true)
                }
                for stopAfter in [nil] + Array(0...count) {
                    let actions = Self.drive(claims, stopAfter: stopAfter)
                    var recorded: [Int] = []
                    var givenBack: [Int] = []
                    var attempted: [Int] = []
                    for action in actions {
                        switch action {
                        case .attempt(let index): attempted.append(index)
                        case .record(let indices): recorded += indices
                        case .giveBack(let indices): givenBack += indices
                        case .done: break
                        }
                    }
                    #expect(recorded == attempted)
                    #expect(Set(recorded).isDisjoint(with: givenBack))
                    #expect((recorded + givenBack).sorted() == Array(0..<count))
                    #expect(actions.last.map { if case .attempt = $0 { false } else if case .record = $0 { false } else { true } } == true)
                }
            }
        }
    }
}
