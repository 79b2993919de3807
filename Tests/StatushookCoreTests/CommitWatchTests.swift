import Locking
import PostgresClient
import Testing
@testable import StatushookCore

@Suite("Ingest: what a returned COMMIT means, and how long a batch may take (CommitDurability, CommitWatchPlan)")
struct CommitWatchTests {
    static let cancelledWait = PostgresNotice(
        severity: "WARNING", sqlState: "01000",
        message: "canceling wait for synchronous replication due to user request")

    @Test("a COMMIT without warnings is durable; other notices and other SQLSTATEs do not change that")
    func durable() {
        #expect(CommitDurability.of(warnings: []) == .durable)
        #expect(CommitDurability.of(warnings: [PostgresNotice(severity: "NOTICE", sqlState: "01000", message: "x")]) == .durable)
        #expect(CommitDurability.of(warnings: [PostgresNotice(severity: "WARNING", sqlState: "25001",
                                                              message: "there is already a transaction in progress")]) == .durable)
    }

    @Test("WARNING 01000 (a cancelled wait for the synchronous standby, in any language) is not replicated")
    func notReplicated() {
        #expect(CommitDurability.of(warnings: [Self.cancelledWait]) == .notReplicated(Self.cancelledWait.message))
        let translated = PostgresNotice(severity: "WARNING", sqlState: "01000",
                                        message: "annulation de l'attente pour la réplication synchrone")
        let other = PostgresNotice(severity: "WARNING", sqlState: "25001", message: "other")
        #expect(CommitDurability.of(warnings: [other, translated]) == .notReplicated(translated.message))
    }

    @Test("within its deadline nothing happens; at it the batch is answered, and cancelled when a statement is out")
    func deadline() {
        let start = ContinuousClock.now
        let deadline = start + .seconds(10)
        for out in [false, true] {
            #expect(CommitWatchPlan.step(now: start, deadline: deadline, stage: .waiting, statementOut: out) == .none)
            #expect(CommitWatchPlan.step(now: deadline - .milliseconds(1), deadline: deadline, stage: .waiting,
                                         statementOut: out) == .none)
            #expect(CommitWatchPlan.step(now: deadline, deadline: deadline, stage: .waiting, statementOut: out)
                    == .answer(cancel: out))
        }
    }

    @Test("a cancelled statement still out after breakAfter loses its connection, once")
    func breakAfterCancel() {
        let answeredAt = ContinuousClock.now
        let deadline = answeredAt - .seconds(1)
        let stage = CommitWatchPlan.Stage.answered(answeredAt)
        #expect(CommitWatchPlan.step(now: answeredAt + .seconds(1), deadline: deadline, stage: stage, statementOut: true) == .none)
        #expect(CommitWatchPlan.step(now: answeredAt + CommitWatchPlan.breakAfter, deadline: deadline, stage: stage,
                                     statementOut: true) == .breakConnection)
        // Not out any more (it came back, or is between statements): nothing to break.
        #expect(CommitWatchPlan.step(now: answeredAt + .seconds(60), deadline: deadline, stage: stage, statementOut: false) == .none)
        #expect(CommitWatchPlan.step(now: answeredAt + .seconds(60), deadline: deadline, stage: .broken, statementOut: true) == .none)
    }

    @Test("a batch answered already is rolled back and abandoned (no retry, no split), unless its connection is gone")
    func abandon() {
        for size in [1, 3] {
            #expect(IngestBatchPlan.afterFailure(connectionLost: false, serializationOrDeadlock: false, answered: true,
                                                 attempt: 1, size: size) == .abandon)
            #expect(IngestBatchPlan.afterFailure(connectionLost: false, serializationOrDeadlock: true, answered: true,
                                                 attempt: 1, size: size) == .abandon)
            #expect(IngestBatchPlan.afterFailure(connectionLost: true, serializationOrDeadlock: false, answered: true,
                                                 attempt: 1, size: size) == .answerUnavailable)
        }
    }

    @Test("the queue gives up the callbacks whose time is up and keeps the others in order")
    func expiry() {
        var queue = IngestQueue<Int>(capacity: 10, maxBatch: 4)
        for item in 1...6 { _ = queue.submit(item) }
        #expect(queue.removeExpired { $0 % 2 == 0 } == [2, 4, 6])
        #expect(queue.items == [1, 3, 5])
        #expect(queue.removeExpired { _ in false } == [])
        guard case .batch(let batch) = queue.take() else {
            Issue.record("the queue kept nothing")
            return
        }
        #expect(batch == [1, 3, 5])
    }

    @Test("an answer is given once: the watchdog's 503 and the writer's late outcome do not both reach the client")
    func answerOnce() {
        let given = Locked<[IngestOutcome]>([])
        let answer = IngestAnswer { outcome in given.withLock { $0.append(outcome) } }
        answer.give(.unavailable("commit_timeout passed"))
        answer.give(.duplicate)
        #expect(given.withLock { $0 } == [.unavailable("commit_timeout passed")])
    }
}
