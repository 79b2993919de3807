import Foundation
import Testing
@testable import StatushookCore

@Suite("Callback: expected transitions")
struct CallbackTransitionRulesTests {
    @Test("the known statuses are the five Twilio documents")
    func known() {
        #expect(TransitionRules.knownStatuses == ["draft", "pending-review", "in-review", "twilio-rejected", "twilio-approved"])
    }

    @Test("first sight of any known status is expected; of an unknown one it is not")
    func firstSight() {
        for status in TransitionRules.knownStatuses {
            #expect(TransitionRules.isExpected(from: nil, to: status), "\(status)")
        }
        #expect(!TransitionRules.isExpected(from: nil, to: "archived"))
    }

    @Test("exactly the eleven documented pairs are expected, among all known pairs")
    func pairs() {
        let expected: Set<String> = [
            "draft>pending-review", "pending-review>draft", "pending-review>in-review",
            "in-review>twilio-approved", "in-review>twilio-rejected", "twilio-rejected>draft",
            "twilio-rejected>pending-review", "twilio-approved>draft", "twilio-approved>pending-review",
            // Twilio sends no callback for pending-review → in-review: a verdict comes straight from pending-review.
            "pending-review>twilio-approved", "pending-review>twilio-rejected",
        ]
        #expect(Set(TransitionRules.expectedPairs.map { "\($0.from)>\($0.to)" }) == expected)
        #expect(TransitionRules.expectedPairs.count == 11)
        for from in TransitionRules.knownStatuses {
            for to in TransitionRules.knownStatuses {
                #expect(TransitionRules.isExpected(from: from, to: to) == expected.contains("\(from)>\(to)"), "\(from) → \(to)")
            }
        }
    }

    @Test("unexpected examples: skipping review, approval after rejection, a repeat, anything from or to an unknown status")
    func unexpected() {
        #expect(!TransitionRules.isExpected(from: "draft", to: "twilio-approved"))
        #expect(!TransitionRules.isExpected(from: "twilio-rejected", to: "twilio-approved"))
        #expect(!TransitionRules.isExpected(from: "in-review", to: "in-review"))
        #expect(!TransitionRules.isExpected(from: "archived", to: "draft"))
        #expect(!TransitionRules.isExpected(from: "draft", to: "archived"))
    }

    @Test("the migrations insert exactly these pairs into expected_transitions, and delete none")
    func migrationAgrees() throws {
        var inserted: [String] = []
        for migration in EmbeddedMigrations.all {
            let sql = migration.sql
            #expect(!sql.contains("DELETE FROM expected_transitions"), "\(migration.name) deletes expected pairs")
            guard let start = sql.range(of: "INSERT INTO expected_transitions VALUES") else { continue }
            let end = try #require(sql[start.upperBound...].firstIndex(of: ";"), "the INSERT has no ';'")
            let values = sql[start.upperBound..<end]
            let tuple = /\(\s*'([^']*)'\s*,\s*'([^']*)'\s*\)/
            inserted += values.matches(of: tuple).map { "\($0.output.1)>\($0.output.2)" }
            // Nothing else between the tuples: no tuple the pattern missed.
            let leftover = values.replacing(tuple, with: "").filter { !$0.isWhitespace && $0 != "," }
            #expect(leftover.isEmpty, "unparsed text in the INSERT of \(migration.name): \(leftover)")
        }
        #expect(inserted == TransitionRules.expectedPairs.map { "\($0.from)>\($0.to)" })
    }
}
