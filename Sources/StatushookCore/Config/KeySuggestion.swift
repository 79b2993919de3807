/// The known key a mistyped one most likely means.
enum KeySuggestion {
    /// The closest candidate, or nil when none is close enough to be worth naming.
    ///
    /// Close means, in this order: the same key in another case; at most 2 edits (1 for keys of
    /// under 5 characters, where 2 edits make anything look alike), a swap of neighbours counting
    /// as one; one key a prefix or suffix of the other, sharing at least 4 characters. Ties go
    /// to the candidate listed first.
    static func nearest(to key: String, among candidates: [String]) -> String? {
        let written = Array(key.lowercased().unicodeScalars)
        if let sameLetters = candidates.first(where: { $0.lowercased() == key.lowercased() }) {
            return sameLetters
        }
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let known = Array(candidate.lowercased().unicodeScalars)
            let allowed = min(written.count, known.count) < 5 ? 1 : 2
            let distance = editDistance(written, known)
            if distance <= allowed, distance < (best?.distance ?? .max) {
                best = (candidate, distance)
            }
        }
        if let best { return best.candidate }

        var closest: (candidate: String, lengthDifference: Int)?
        let lowered = key.lowercased()
        for candidate in candidates {
            let known = candidate.lowercased()
            let (shorter, longer) = known.count < lowered.count ? (known, lowered) : (lowered, known)
            guard shorter.count >= 4, longer.hasPrefix(shorter) || longer.hasSuffix(shorter) else { continue }
            let difference = longer.count - shorter.count
            if difference < (closest?.lengthDifference ?? .max) {
                closest = (candidate, difference)
            }
        }
        return closest?.candidate
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and swaps of
    /// neighbours, each costing one.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousRow: [Int] = []
        var row = Array(0...b.count)
        for i in 1...a.count {
            let rowBeforePrevious = previousRow
            previousRow = row
            row = [i] + [Int](repeating: 0, count: b.count)
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                row[j] = min(previousRow[j] + 1, row[j - 1] + 1, previousRow[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    row[j] = min(row[j], rowBeforePrevious[j - 2] + 1)
                }
            }
        }
        return row[b.count]
    }
}
