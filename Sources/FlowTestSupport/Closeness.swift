/// The result of comparing device output with a reference, elementwise: `|actual − expected| ≤
/// atol_i + rtol·|expected|`. NaN matches only NaN and an infinity only the same infinity; a
/// non-finite value where a finite one was expected always fails. The description names the worst
/// element (the one furthest outside its tolerance), so a failing test says where and by how much.
public struct Closeness: Sendable, CustomStringConvertible {
    public private(set) var passed = true
    public private(set) var count = 0
    /// Elements outside their tolerance.
    public private(set) var failures = 0
    public private(set) var maxAbsError = 0.0
    public private(set) var maxRelError = 0.0
    /// Index of the element with the largest error-to-tolerance ratio.
    public private(set) var worstIndex: Int?
    public private(set) var worstActual = 0.0
    public private(set) var worstExpected = 0.0
    public private(set) var worstAllowed = 0.0
    public private(set) var worstError = 0.0
    private var worstRatio = -1.0
    private var note: String?
    private var shape: [Int]?
    private var rtol = 0.0

    public static func compare(
        _ actual: [Double], _ expected: [Double], rtol: Double, atol: Double, shape: [Int]? = nil
    ) -> Closeness {
        compare(actual, expected, rtol: rtol, atol: [Double](repeating: atol, count: expected.count), shape: shape)
    }

    public static func compare(_ actual: [Float], _ expected: [Double], rtol: Double, atol: Double, shape: [Int]? = nil)
        -> Closeness
    {
        compare(actual.map(Double.init), expected, rtol: rtol, atol: atol, shape: shape)
    }

    /// Per-element absolute tolerances (error bounds that scale with each output's magnitude).
    public static func compare(
        _ actual: [Double], _ expected: [Double], rtol: Double, atol: [Double], shape: [Int]? = nil
    ) -> Closeness {
        var result = Closeness()
        result.shape = shape
        result.rtol = rtol
        result.count = expected.count
        guard actual.count == expected.count, atol.count == expected.count else {
            result.passed = false
            result.note = "\(actual.count) values where \(expected.count) were expected (\(atol.count) tolerances)"
            return result
        }
        for i in 0..<expected.count {
            result.check(i, actual[i], expected[i], allowed: atol[i] + rtol * Swift.abs(expected[i]))
        }
        return result
    }

    private mutating func check(_ i: Int, _ a: Double, _ e: Double, allowed: Double) {
        let error: Double
        if a.isNaN || e.isNaN {
            error = a.isNaN && e.isNaN ? 0 : .infinity
        } else if a.isInfinite || e.isInfinite {
            error = a == e ? 0 : .infinity
        } else {
            error = Swift.abs(a - e)
        }
        let relative = error == 0 ? 0 : error / Swift.abs(e)
        maxAbsError = Swift.max(maxAbsError, error)
        maxRelError = Swift.max(maxRelError, relative.isNaN ? .infinity : relative)
        let ratio = error == 0 ? 0 : (allowed > 0 ? error / allowed : .infinity)
        if ratio > 1 || (error > 0 && !error.isFinite) {
            failures += 1
            passed = false
        }
        if ratio > worstRatio {
            worstRatio = ratio
            worstIndex = i
            (worstActual, worstExpected, worstAllowed, worstError) = (a, e, allowed, error)
        }
    }

    /// Row-major multi-index of a flat index, when a shape was given.
    private func position(_ flat: Int) -> String {
        guard let shape, shape.reduce(1, *) == count, !shape.isEmpty else { return "[\(flat)]" }
        var rest = flat
        var index = [Int](repeating: 0, count: shape.count)
        for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] > 0 {
            index[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return "\(index)"
    }

    public var description: String {
        if let note { return "FAILED: \(note)" }
        let verdict = passed ? "ok" : "FAILED: \(failures) of \(count) elements outside tolerance"
        guard let worstIndex else { return "\(verdict) (no elements)" }
        return "\(verdict); worst at \(position(worstIndex)) (flat \(worstIndex)): actual \(worstActual), "
            + "expected \(worstExpected), abs error \(worstError), allowed \(worstAllowed); "
            + "max abs error \(maxAbsError), max rel error \(maxRelError), rtol \(rtol)"
    }
}
