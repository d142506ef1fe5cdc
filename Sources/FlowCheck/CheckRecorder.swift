import FlowRuntime
import FlowTestSupport
import Foundation

/// Runs the cases of one device and collects their rows. A case that throws becomes a failing
/// row naming the error, so one broken op never hides the rest of the table.
public final class CheckRecorder {
    public let device: any Device
    let perturbation: Perturbation?
    /// The section rows are recorded under (set by the suite before each part).
    var section = "ops"
    public private(set) var rows: [CheckRow] = []
    /// The shapes of the case `run` is running (the rows of shared op cases carry them).
    private var currentShapes = ""

    public init(device: any Device, perturbation: Perturbation? = nil) {
        self.device = device
        self.perturbation = perturbation
    }

    /// Runs one case; rows it records carry the case's time, and an error becomes a failing row.
    func run(_ op: String, _ shapes: String, _ body: () throws -> Void) {
        let start = Date()
        let first = rows.count
        currentShapes = shapes
        do {
            try body()
            try device.synchronize()
        } catch {
            rows.append(CheckRow(section: section, op: op, shapes: shapes, tolerance: "runs without error", status: .fail, detail: "\(error)"))
        }
        let seconds = Date().timeIntervalSince(start)
        for index in first..<rows.count { rows[index].seconds = seconds }
    }

    func record(_ row: CheckRow) { rows.append(row) }

    /// The device as the shared op cases (FlowTestSupport/Cases) take it.
    var testDevice: TestDevice { TestDevice(device) }

    /// One row per comparison of a shared op case, under the shapes of the case being run.
    func record(_ comparisons: [OpComparison]) {
        for comparison in comparisons {
            close(comparison.op, currentShapes, comparison.actual, comparison.expected, rtol: comparison.rtol, atol: comparison.atol)
        }
    }

    /// Whether a deliberate fault (`Perturbation`) applies to `op`'s results.
    func faulty(_ op: String) -> Bool { perturbation?.applies(to: op) ?? false }

    /// `|actual − expected| ≤ atol_i + rtol·|expected|` elementwise (`Closeness`, as in the tests).
    func close(_ op: String, _ shapes: String, _ actual: [Double], _ expected: [Double], rtol: Double, atol: [Double]) {
        let values = faulty(op) ? perturbation?.perturb(actual) ?? actual : actual
        let report = Closeness.compare(values, expected, rtol: rtol, atol: atol)
        let largest = atol.max() ?? 0
        let tolerance = String(format: "rtol %.0e, atol ≤ %.1e", rtol, largest)
        rows.append(
            CheckRow(
                section: section, op: op, shapes: shapes, maxAbsError: report.maxAbsError, maxRelError: report.maxRelError,
                tolerance: tolerance, status: report.passed ? .pass : .fail, detail: report.passed ? nil : report.description))
    }

    func close(_ op: String, _ shapes: String, _ actual: Tensor, _ expected: [Double], rtol: Double, atol: [Double]) throws {
        close(op, shapes, try actual.toArray().map(Double.init), expected, rtol: rtol, atol: atol)
    }

    func close(_ op: String, _ shapes: String, _ actual: Tensor, _ expected: [Double], rtol: Double, atol: Double) throws {
        close(op, shapes, try actual.toArray().map(Double.init), expected, rtol: rtol, atol: [Double](repeating: atol, count: expected.count))
    }

    /// Bit-for-bit equality (data movement, RNG streams across devices, determinism).
    func identical(_ op: String, _ shapes: String, _ actual: [Float], _ expected: [Float]) {
        let values = faulty(op) ? perturbation?.perturb(actual) ?? actual : actual
        var status = CheckStatus.pass
        var detail: String?
        var maxAbs = 0.0
        if values.count != expected.count {
            status = .fail
            detail = "\(values.count) values, expected \(expected.count)"
        } else {
            let differing = (0..<values.count).filter { values[$0].bitPattern != expected[$0].bitPattern }
            maxAbs = differing.reduce(0.0) { Swift.max($0, Swift.abs(Double(values[$1]) - Double(expected[$1]))) }
            if let first = differing.first {
                status = .fail
                detail =
                    "\(differing.count) of \(values.count) values differ bitwise; first at [\(first)]: \(values[first]) "
                    + "(0x\(String(values[first].bitPattern, radix: 16))) vs \(expected[first]) (0x\(String(expected[first].bitPattern, radix: 16)))"
            }
        }
        rows.append(
            CheckRow(
                section: section, op: op, shapes: shapes, maxAbsError: maxAbs, maxRelError: nil, tolerance: "bit-identical",
                status: status, detail: detail))
    }

    /// Leaves NaN-filled blocks of each size in the device's buffer cache so the op run next gets
    /// NaN-filled outputs: an op that leaves part of its output unwritten then shows NaN instead
    /// of passing on zeroed or stale memory (the same trick as the tests' `poisonCache`).
    func poison(_ counts: Int...) throws {
        let blocks = try counts.flatMap { count in
            try (0..<2).map { _ in try Tensor.full([Swift.max(count, 1)], value: .nan, on: device) }
        }
        try device.synchronize()
        withExtendedLifetime(blocks) {}
    }

    /// Uploads Float-representable values (as `SeededRandom` produces them), exactly.
    func tensor(_ values: [Double], _ shape: [Int]) throws -> Tensor {
        try Tensor(values.map { Float($0) }, shape: shape, on: device)
    }
}
