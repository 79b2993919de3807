import Foundation
import Locking
import Testing
@testable import StatushookCore

@Suite("Lifecycle: threads that end when asked, parts that start in order")
struct LifecycleTests {
    typealias F = ConfigFixture

    @Test("a stop ends a long sleep at once, and the wait for the threads sees them end")
    func stopEndsSleep() {
        let threads = ServiceThreads()
        let slept = Locked<Bool?>(nil)
        #expect(threads.spawn("sleeper") {
            let result = threads.sleep(.seconds(600))
            slept.withLock { $0 = result }
        })
        #expect(!threads.awaitEnd(deadline: .now + .milliseconds(20)))
        let began = ContinuousClock.now
        threads.requestStop()
        #expect(threads.awaitEnd(deadline: .now + .seconds(10)))
        #expect(ContinuousClock.now - began < .seconds(5))
        #expect(slept.withLock { $0 } == false)
        #expect(threads.running == 0)
    }

    @Test("after a stop nothing more starts, and a sleep returns false at once")
    func noStartAfterStop() {
        let threads = ServiceThreads()
        threads.requestStop()
        #expect(!threads.spawn("late") {})
        #expect(threads.running == 0)
        #expect(!threads.sleep(.seconds(600)))
        #expect(threads.awaitEnd(deadline: .now))
    }

    @Test("a wake ends a sleep early without stopping")
    func wake() {
        let threads = ServiceThreads()
        let slept = Locked<Bool?>(nil)
        threads.spawn("sleeper") {
            let result = threads.sleep(.seconds(600))
            slept.withLock { $0 = result }
        }
        // Wake until the sleeper has seen one (it may not be asleep yet at the first).
        while slept.withLock({ $0 }) == nil {
            threads.wake()
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(slept.withLock { $0 } == true)
        #expect(threads.awaitEnd(deadline: .now + .seconds(10)))
    }

    @Test("a condition wait returns when the value says so, or at its timeout")
    func conditionWait() {
        let value = LockedCondition(0)
        let timedOut = value.wait(for: { $0 == 1 }, timeout: .milliseconds(10)) { $0 }
        #expect(timedOut == 0)
        Thread.detachNewThread {
            value.withLock { $0 = 1 }
            value.broadcast()
        }
        #expect(value.wait(for: { $0 == 1 }, timeout: .seconds(10)) { $0 } == 1)
    }

    @Test("a part that needs the schema starts once the daemon wants it and the database is ready, in either order")
    func deferredStarts() throws {
        for readyFirst in [false, true] {
            let part = RecordingService()
            let deferred = DeferredService(part)
            if readyFirst { try deferred.databaseReady() }
            #expect(part.events.withLock { $0 } == [])
            try deferred.start(failure: ServiceFailure { _ in })
            if !readyFirst {
                #expect(part.events.withLock { $0 } == [])
                try deferred.databaseReady()
            }
            #expect(part.events.withLock { $0 } == ["start"])
            #expect(deferred.stop(deadline: .now))
            #expect(part.events.withLock { $0 } == ["start", "stop"])
        }
    }

    @Test("a part stopped before the database was ready never starts")
    func deferredStoppedFirst() throws {
        let part = RecordingService()
        let deferred = DeferredService(part)
        try deferred.start(failure: ServiceFailure { _ in })
        #expect(deferred.stop(deadline: .now))
        try deferred.databaseReady()
        #expect(part.events.withLock { $0 } == [])
    }

    @Test("a reload keeps the running value of every restart-only setting and takes the rest")
    func reloadKeepsRestartOnly() throws {
        let running = try F.parseWithRequired("listen = 127.0.0.1:8080\nmax_header_bytes = 8KiB\nlog_level = info\n")
        let fresh = try F.parseWithRequired("listen = 127.0.0.1:9090\nmax_header_bytes = 32KiB\nlog_level = debug\nretention_days = 7\n")
        #expect(Daemon.restartOnlyChanges(running: running, fresh: fresh) == ["listen", "max_header_bytes", "log_level"])
        let effective = Daemon.reloadable(fresh, running: running)
        #expect(effective.listenPort == 8080)
        #expect(effective.maxHeaderBytes == 8 * 1024)
        #expect(effective.logLevel == running.logLevel)
        #expect(effective.retentionDays == 7)
        #expect(Daemon.restartOnlyChanges(running: running, fresh: effective) == [])
    }
}

/// A part that only notes what it was asked.
private final class RecordingService: BackgroundService {
    let events = Locked<[String]>([])
    var serviceName: String { "recording" }

    func start(failure: ServiceFailure) {
        events.withLock { $0.append("start") }
    }

    func stop(deadline: ContinuousClock.Instant) -> Bool {
        events.withLock { $0.append("stop") }
        return true
    }
}
