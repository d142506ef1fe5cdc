/// Counts of a set of rows, and the verdict: passed when no row failed.
public struct CheckSummary: Codable, Sendable {
    public var rows: Int
    public var passed: Int
    public var failed: Int
    public var skipped: Int
    public var seconds: Double

    public init(_ rows: [CheckRow], seconds: Double) {
        self.rows = rows.count
        passed = rows.filter { $0.status == .pass }.count
        failed = rows.filter { $0.status == .fail }.count
        skipped = rows.filter { $0.status == .skipped }.count
        self.seconds = seconds
    }

    public init(adding summaries: [CheckSummary]) {
        rows = summaries.reduce(0) { $0 + $1.rows }
        passed = summaries.reduce(0) { $0 + $1.passed }
        failed = summaries.reduce(0) { $0 + $1.failed }
        skipped = summaries.reduce(0) { $0 + $1.skipped }
        seconds = summaries.reduce(0) { $0 + $1.seconds }
    }

    public var ok: Bool { failed == 0 }
}
