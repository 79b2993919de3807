import Testing
@testable import StatushookCore

@Suite("Ingest: the writer's choices about a batch (IngestBatchPlan)")
struct IngestBatchPlanTests {
    @Test("a lost connection answers the whole batch unavailable, whatever else is true")
    func connectionLost() {
        for serialization in [false, true] {
            for attempt in 1...5 {
                for size in [1, 2, 256] {
                    #expect(IngestBatchPlan.afterFailure(connectionLost: true, serializationOrDeadlock: serialization,
                                                         attempt: attempt, size: size) == .answerUnavailable)
                }
            }
        }
    }

    @Test("a serialization failure or deadlock is retried until the fourth try, then treated as a refusal")
    func retries() {
        for size in [1, 5] {
            let refusal: IngestBatchPlan.AfterFailure = size > 1 ? .split : .refuse
            let answers = (1...6).map {
                IngestBatchPlan.afterFailure(connectionLost: false, serializationOrDeadlock: true, attempt: $0, size: size)
            }
            #expect(answers == [.retry, .retry, .retry, refusal, refusal, refusal])
        }
    }

    @Test("a refused batch of several is split into single callbacks; a refused single callback fails alone")
    func splitOrRefuse() {
        for attempt in 1...5 {
            #expect(IngestBatchPlan.afterFailure(connectionLost: false, serializationOrDeadlock: false,
                                                 attempt: attempt, size: 2) == .split)
            #expect(IngestBatchPlan.afterFailure(connectionLost: false, serializationOrDeadlock: false,
                                                 attempt: attempt, size: 1) == .refuse)
        }
    }

    @Test("a batch is recorded by SID, and one SID's callbacks in the order they came")
    func order() {
        #expect(IngestBatchPlan.recordingOrder(sids: ["BUc", "BUa", "BUb", "BUa", "BUc"]) == [1, 3, 2, 0, 4])
        #expect(IngestBatchPlan.recordingOrder(sids: []) == [])
        #expect(IngestBatchPlan.recordingOrder(sids: ["BUx", "BUx", "BUx"]) == [0, 1, 2])
    }

    @Test("each row's outcome lands on its callback in the batch's order")
    func outcomes() {
        let order = IngestBatchPlan.recordingOrder(sids: ["BUb", "BUa", "BUc"])  // [1, 0, 2]
        let rows: [(ordinal: Int?, result: String?, transitionID: String?)] = [
            (1, "recorded", "41"),   // order[0] = batch index 1
            (2, "unchanged", nil),   // order[1] = batch index 0
            (3, "duplicate", nil),   // order[2] = batch index 2
        ]
        #expect(IngestBatchPlan.outcomes(rows: rows, order: order) == [.unchanged, .recorded(transitionID: 41), .duplicate])
    }

    @Test("a callback without a row failed; rows naming no callback are ignored")
    func missingRows() {
        let rows: [(ordinal: Int?, result: String?, transitionID: String?)] = [
            (2, "recorded", "7"), (0, "recorded", "8"), (4, "recorded", "9"), (nil, "recorded", "10"),
        ]
        #expect(IngestBatchPlan.outcomes(rows: rows, order: [0, 1, 2])
                == [.failed("no result for this callback"), .recorded(transitionID: 7), .failed("no result for this callback")])
    }

    @Test("a row's result reads as recorded (with its transition), unchanged, or else a duplicate")
    func rowMeaning() {
        #expect(IngestBatchPlan.outcome(result: "recorded", transitionID: "12") == .recorded(transitionID: 12))
        #expect(IngestBatchPlan.outcome(result: "recorded", transitionID: nil) == .recorded(transitionID: 0))
        #expect(IngestBatchPlan.outcome(result: "unchanged", transitionID: "3") == .unchanged)
        #expect(IngestBatchPlan.outcome(result: "duplicate", transitionID: nil) == .duplicate)
        #expect(IngestBatchPlan.outcome(result: nil, transitionID: nil) == .duplicate)
    }

    @Test("while the database is away, the writer tries to connect at most every interval")
    func reconnectPacing() {
        var pacing = IngestReconnectPacing(interval: .milliseconds(500))
        let start = ContinuousClock.now
        let offsets: [Duration] = [.zero, .zero, .milliseconds(499), .milliseconds(500), .milliseconds(600), .seconds(2)]
        let answers = offsets.map { pacing.mayConnect(now: start + $0) }
        #expect(answers == [true, false, false, true, false, true])
    }
}
