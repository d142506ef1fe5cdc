/// The known key a misspelt one most likely meant, for "did you mean …?" in messages: the
/// nearest by Damerau–Levenshtein distance (optimal string alignment: an insertion, deletion,
/// substitution or swap of two neighbours costs 1), ignoring case, within a threshold that grows
/// with the key's length so that short keys do not suggest unrelated short keys.
public enum KeySuggestion {
    /// The closest of `candidates` to `key`, or nil when none is close enough. Ties go to the
    /// alphabetically first, so the message does not depend on the order keys were read in.
    public static func nearest(to key: String, among candidates: some Sequence<String>) -> String? {
        let typed = Array(key.lowercased().unicodeScalars)
        let limit = threshold(forLength: typed.count)
        var best: (distance: Int, name: String)?
        for candidate in candidates where candidate != key {
            let known = Array(candidate.lowercased().unicodeScalars)
            // The distance is at least the difference in length: skip without computing it (a
            // key from outside may be long).
            guard abs(known.count - typed.count) <= limit else { continue }
            let distance = self.distance(typed, known)
            guard distance <= limit else { continue }
            if let current = best, (current.distance, current.name) <= (distance, candidate) { continue }
            best = (distance, candidate)
        }
        return best?.name
    }

    /// Edits allowed for a key of `length` characters: case only up to 2, one edit up to 4, two beyond.
    static func threshold(forLength length: Int) -> Int {
        switch length {
        case ..<3: 0
        case ..<5: 1
        default: 2
        }
    }

    /// The optimal-string-alignment distance between `a` and `b`.
    static func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        // Three rows of the dynamic programme: the one before the previous is needed for swaps.
        var beforePrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    value = min(value, beforePrevious[j - 2] + 1)
                }
                current[j] = value
            }
            (beforePrevious, previous, current) = (previous, current, beforePrevious)
        }
        return previous[b.count]
    }
}
