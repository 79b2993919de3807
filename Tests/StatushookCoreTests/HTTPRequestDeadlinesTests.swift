import HTTPServer
import Testing

/// The request budget's bookkeeping: when a connection is cut, and when it is left alone.
@Suite("HTTP request deadlines")
struct HTTPRequestDeadlinesTests {
    let start = ContinuousClock.now

    func at(_ seconds: Double) -> ContinuousClock.Instant {
        start.advanced(by: .milliseconds(Int(seconds * 1000)))
    }

    @Test("a connection that has not sent its whole request within the budget is cut, once")
    func cutOnce() {
        var deadlines = RequestDeadlines(budget: .seconds(10))
        deadlines.opened(1, socket: 7, peer: "192.0.2.1", at: at(0))
        let early = deadlines.expire(at: at(9.9))
        let due = deadlines.expire(at: at(10))
        let later = deadlines.expire(at: at(60))
        #expect(early.isEmpty)
        #expect(due.map(\.socket) == [7])
        #expect(due.map(\.peer) == ["192.0.2.1"])
        #expect(later.isEmpty)
    }

    @Test("a whole request stops the clock: the answer may take as long as it takes")
    func receivedStopsClock() {
        var deadlines = RequestDeadlines(budget: .seconds(3))
        deadlines.opened(1, socket: 7, peer: "p", at: at(0))
        let served = deadlines.requestReceived(1)
        let cut = deadlines.expire(at: at(100))
        #expect(served)
        #expect(cut.isEmpty)
    }

    @Test("a kept-alive connection gets a fresh budget for its next request")
    func keepAlive() {
        var deadlines = RequestDeadlines(budget: .seconds(3))
        deadlines.opened(1, socket: 7, peer: "p", at: at(0))
        deadlines.requestReceived(1)
        deadlines.awaitingRequest(1, at: at(2.5))
        let withinNewBudget = deadlines.expire(at: at(5.4))
        let pastNewBudget = deadlines.expire(at: at(5.5))
        #expect(withinNewBudget.isEmpty)
        #expect(pastNewBudget.count == 1)
    }

    @Test("a request that completes after its connection was cut is dropped, and the connection stays cut")
    func receivedAfterCut() {
        var deadlines = RequestDeadlines(budget: .seconds(1))
        deadlines.opened(1, socket: 7, peer: "p", at: at(0))
        let cut = deadlines.expire(at: at(1))
        let served = deadlines.requestReceived(1)
        deadlines.awaitingRequest(1, at: at(2))
        let cutAgain = deadlines.expire(at: at(10))
        #expect(cut.count == 1)
        #expect(!served)
        #expect(cutAgain.isEmpty)
    }

    @Test("only the connections past their deadline are cut, and closed ones are forgotten")
    func several() {
        var deadlines = RequestDeadlines(budget: .seconds(2))
        deadlines.opened(1, socket: 11, peer: "a", at: at(0))
        deadlines.opened(2, socket: 12, peer: "b", at: at(1))
        deadlines.opened(3, socket: 13, peer: "c", at: at(0))
        deadlines.closed(3)
        #expect(deadlines.connections.count == 2)
        let first = deadlines.expire(at: at(2.5))
        let second = deadlines.expire(at: at(3))
        #expect(first.map(\.socket) == [11])
        #expect(second.map(\.socket) == [12])
        deadlines.closed(1)
        deadlines.closed(2)
        #expect(deadlines.connections.isEmpty)
    }

    @Test("events of an unknown connection change nothing")
    func unknown() {
        var deadlines = RequestDeadlines(budget: .seconds(2))
        let served = deadlines.requestReceived(42)
        deadlines.awaitingRequest(42, at: at(0))
        deadlines.closed(42)
        #expect(served)
        #expect(deadlines.connections.isEmpty)
    }
}
