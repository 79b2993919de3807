import Testing
@testable import StatushookCore

@Suite("Ingest: which lane records a callback (IngestLanes)")
struct IngestLanesTests {
    /// SIDs as Twilio makes them: BU and 32 hex digits, here from a counter.
    private static func sid(_ number: Int) -> String {
        let hex = String(number, radix: 16)
        return "BU" + String(repeating: "0", count: 32 - hex.count) + hex
    }

    @Test("a SID's lane is fixed: the same in every process (not Swift's seeded hashValue)")
    func fixed() {
        // Computed apart from the code under test (FNV-1a 64, then MurmurHash3's fmix64).
        #expect(IngestLanes.lane(of: "BU00000000000000000000000000000000", among: 2) == 0)
        #expect(IngestLanes.lane(of: "BU11111111111111111111111111111111", among: 2) == 1)
        #expect(IngestLanes.lane(of: "BU0123456789abcdef0123456789abcdef", among: 3) == 2)
        #expect(IngestLanes.lane(of: "BUffffffffffffffffffffffffffffffff", among: 3) == 1)
    }

    @Test("one lane takes everything", arguments: [0, 1])
    func one(count: Int) {
        #expect(IngestLanes.lane(of: Self.sid(7), among: count) == 0)
    }

    @Test("SIDs that differ in their last digits spread evenly over the lanes", arguments: [2, 3, 4])
    func spread(count: Int) {
        var perLane = [Int](repeating: 0, count: count)
        let total = 12_000
        for number in 0..<total {
            let lane = IngestLanes.lane(of: Self.sid(number), among: count)
            #expect((0..<count).contains(lane))
            perLane[lane] += 1
        }
        let even = total / count
        for taken in perLane {
            #expect(abs(taken - even) < even / 10, "lanes took \(perLane)")
        }
    }
}
