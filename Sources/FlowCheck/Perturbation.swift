/// A deliberate fault for testing the suite itself: results of the ops whose name contains
/// `pattern` (or every op, for `all`) are altered before they are compared, so a test can show
/// that a wrong device produces failing rows and a non-zero exit. Never set in normal use; the
/// report says when it was.
public struct Perturbation: Sendable, Codable, Equatable {
    public var pattern: String

    public init(pattern: String) { self.pattern = pattern.lowercased() }

    public func applies(to op: String) -> Bool {
        pattern == "all" || op.lowercased().contains(pattern)
    }

    /// Moves the first value far outside any tolerance of the suite (1% of 1 + |v|).
    func perturb(_ values: [Double]) -> [Double] {
        guard let first = values.first else { return values }
        var changed = values
        changed[0] = first + 0.01 * (1 + Swift.abs(first))
        return changed
    }

    /// Flips the lowest mantissa bit of the first value: the smallest change a bit-identity check must see.
    func perturb(_ values: [Float]) -> [Float] {
        guard let first = values.first else { return values }
        var changed = values
        changed[0] = Float(bitPattern: first.bitPattern ^ 1)
        return changed
    }
}
