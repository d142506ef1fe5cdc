/// One line of the conformance table: what was run, on what shapes, how far from the expected
/// result it was and what it was allowed.
public struct CheckRow: Codable, Sendable {
    /// The part of the suite: `ops`, `rng`, `determinism`, `kernels`, `training`.
    public var section: String
    public var op: String
    public var shapes: String
    /// Largest elementwise |actual − expected|; nil where it is not a number (a non-finite
    /// value, a thrown error) or where the row compares no numbers.
    public var maxAbsError: Double?
    public var maxRelError: Double?
    /// What the row demands, in words (`rtol 1e-06, atol ≤ 3.1e-06`, `bit-identical`, …).
    public var tolerance: String
    public var status: CheckStatus
    /// Why a row failed or was skipped (the worst element, the error, the build log).
    public var detail: String?
    public var seconds: Double

    public init(
        section: String, op: String, shapes: String, maxAbsError: Double? = nil, maxRelError: Double? = nil,
        tolerance: String, status: CheckStatus, detail: String? = nil, seconds: Double = 0
    ) {
        self.section = section
        self.op = op
        self.shapes = shapes
        // JSON has no infinity or NaN: those become nil, and the detail says what happened.
        self.maxAbsError = maxAbsError.flatMap { $0.isFinite ? $0 : nil }
        self.maxRelError = maxRelError.flatMap { $0.isFinite ? $0 : nil }
        self.tolerance = tolerance
        self.status = status
        self.detail = detail
        self.seconds = seconds
    }
}
