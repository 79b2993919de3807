import Testing
@testable import StatushookCore

@Suite("Dispatch: a worker's choices between batches (DispatchWorkerLoop)")
struct DispatchWorkerLoopTests {
    private static let settings: Dispatcher.Settings = {
        var settings = Dispatcher.Settings()
        settings.claimBatch = 64
        settings.sweepInterval = .seconds(30)
        settings.idleWait = .seconds(5)
        settings.pausedPoll = .milliseconds(250)
        return settings
    }()

    @Test("the sweeping worker's first round takes back dead processes' leases, then sweeps every interval")
    func sweeps() {
        var loop = DispatchWorkerLoop(settings: Self.settings, sweeps: true)
        let start = ContinuousClock.now
        let sweeps = [0, 0, 29, 30, 31, 60].map { loop.sweep(now: start + .seconds($0)) }
        #expect(sweeps == [.deadProcessesThenExpiredLeases, .notDue, .notDue, .expiredLeases, .notDue, .expiredLeases])
    }

    @Test("the other workers never sweep")
    func othersDoNotSweep() {
        var loop = DispatchWorkerLoop(settings: Self.settings, sweeps: false)
        let start = ContinuousClock.now
        let sweeps = [0, 30, 3600].map { loop.sweep(now: start + .seconds($0)) }
        #expect(sweeps == [.notDue, .notDue, .notDue])
    }

    @Test("only a full batch wakes another worker")
    func wakeAnother() {
        let loop = DispatchWorkerLoop(settings: Self.settings, sweeps: false)
        #expect(loop.wakeAnother(claimed: 64))
        #expect(!loop.wakeAnother(claimed: 63))
        #expect(!loop.wakeAnother(claimed: 1))
    }

    @Test("an idle worker waits for a NOTIFY until the next retry is due, between 1 ms and the idle wait",
          arguments: [
              (nil as Duration?, DispatchWorkerLoop.Idle.waitForWakeup(.seconds(5))),
              (.seconds(2), .waitForWakeup(.seconds(2))),
              (.seconds(60), .waitForWakeup(.seconds(5))),
              (.zero, .waitForWakeup(.milliseconds(1))),
              (.seconds(-3), .waitForWakeup(.milliseconds(1))),
          ])
    func idle(due: Duration?, want: DispatchWorkerLoop.Idle) {
        #expect(DispatchWorkerLoop(settings: Self.settings, sweeps: false).idle(nextDue: due, paused: false) == want)
    }

    @Test("a paused sink's worker polls a few times a second instead of waking at each NOTIFY",
          arguments: [
              (nil as Duration?, DispatchWorkerLoop.Idle.poll(.milliseconds(250))),
              (.seconds(2), .poll(.milliseconds(250))),
              (.milliseconds(100), .poll(.milliseconds(100))),
              (.zero, .poll(.milliseconds(1))),
          ])
    func pausedPolls(due: Duration?, want: DispatchWorkerLoop.Idle) {
        #expect(DispatchWorkerLoop(settings: Self.settings, sweeps: false).idle(nextDue: due, paused: true) == want)
    }

    @Test("an error leaves the worker's leases to end at the next round; a lost connection is dropped too")
    func errors() {
        var loop = DispatchWorkerLoop(settings: Self.settings, sweeps: false)
        #expect(!loop.expireOwnLeases)
        let lost = loop.failed(connectionLost: true)
        #expect(lost == .init(dropConnection: true, wait: .seconds(1)))
        #expect(loop.expireOwnLeases)
        loop.ownLeasesExpired()
        #expect(!loop.expireOwnLeases)
        let refused = loop.failed(connectionLost: false)
        #expect(refused == .init(dropConnection: false, wait: .seconds(1)))
        #expect(loop.expireOwnLeases)
        // Until they are expired, every round tries again.
        let again = loop.failed(connectionLost: true)
        #expect(again.dropConnection)
        #expect(loop.expireOwnLeases)
    }

    @Test("a lost connection makes the sweep due at once (after a failover); a refused statement does not")
    func sweepAfterReconnect() {
        let start = ContinuousClock.now
        var loop = DispatchWorkerLoop(settings: Self.settings, sweeps: true)
        #expect(loop.sweep(now: start) == .deadProcessesThenExpiredLeases)
        _ = loop.failed(connectionLost: false)
        #expect(loop.sweep(now: start + .seconds(1)) == .notDue)
        _ = loop.failed(connectionLost: true)
        #expect(loop.sweep(now: start + .seconds(2)) == .deadProcessesThenExpiredLeases)
        #expect(loop.sweep(now: start + .seconds(3)) == .notDue)
    }
}
