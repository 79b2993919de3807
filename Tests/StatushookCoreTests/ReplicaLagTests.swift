import Testing
@testable import StatushookCore

@Suite("/readyz on the read replica (ReplicaLag)")
struct ReplicaLagTests {
    @Test("a standby that replayed all it received has no lag, however long ago its last transaction was")
    func caughtUp() {
        let lag = ReplicaLag(row: ["t", "t", "3600.5", "0"])
        #expect(lag.lagSeconds == 0)
        #expect(lag.detail == "standby; replay lag 0 s (caught up)")
    }

    @Test("a standby behind reports the age of its last replay and the WAL it has not replayed")
    func behind() {
        let lag = ReplicaLag(row: ["t", "f", "2.34567", "5120"])
        #expect(lag.lagSeconds == 2.34567)
        #expect(lag.detail == "standby; replay lag 2.346 s (5120 bytes of WAL not replayed yet)")
        #expect(ReplicaLag(row: ["t", "f", nil, "8"]).lagSeconds == 0)
    }

    @Test("a server that accepts writes (a promoted one, or a primary named by mistake) is said to be one")
    func notStandby() {
        let lag = ReplicaLag(row: ["f", nil, nil, nil])
        #expect(!lag.isStandby && lag.caughtUp && lag.bytesBehind == 0)
        #expect(lag.detail == "not a standby (it accepts writes); reads go to it")
    }
}
