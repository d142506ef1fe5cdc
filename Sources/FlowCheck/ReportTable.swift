import Foundation

/// The human-readable form of a report: per device a header, a table (status, op, shapes, max
/// errors, tolerance), the details of every failed or skipped row, and a summary line.
public enum ReportTable {
    public static func render(_ report: CheckReport) -> String {
        var lines: [String] = []
        if let perturbation = report.perturbation {
            lines.append("NOTE: results deliberately perturbed (--perturb \(perturbation.pattern)); this run says nothing about the device.")
        }
        for device in report.devices {
            lines += render(device)
            lines.append("")
        }
        let s = report.summary
        lines.append(
            "\(report.passed ? "PASSED" : "FAILED"): \(s.passed) passed, \(s.failed) failed, \(s.skipped) skipped "
                + "on \(report.devices.count) device(s) in \(String(format: "%.1f", s.seconds)) s")
        return lines.joined(separator: "\n")
    }

    static func render(_ report: DeviceReport) -> [String] {
        let info = report.device
        var lines = ["== \(report.selector): \(info.name) (\(info.vendor), driver \(info.driver))"]
        let header = ["", "SECTION", "OP", "SHAPES", "MAX ABS", "MAX REL", "TOLERANCE", "TIME"]
        let cells = report.rows.map { row in
            [
                mark(row.status), row.section, row.op, row.shapes, number(row.maxAbsError), number(row.maxRelError),
                row.tolerance, String(format: "%.2fs", row.seconds),
            ]
        }
        // Wide cells (long shapes) stretch their column up to a cap; beyond it they overflow.
        let caps = [4, 12, 34, 44, 9, 9, 30, 7]
        let widths = (0..<header.count).map { column in
            min(caps[column], ([header] + cells).map { $0[column].count }.max() ?? 0)
        }
        for row in [header] + cells {
            lines.append(zip(row, widths).map { $0.padding(toLength: max($1, $0.count), withPad: " ", startingAt: 0) }.joined(separator: "  "))
        }
        // Failed and skipped rows say why; training rows always show how far the loss fell.
        let noted = report.rows.filter { ($0.status != .pass || $0.section == "training") && $0.detail != nil }
        if !noted.isEmpty {
            lines.append("")
            for row in noted {
                lines.append("\(mark(row.status)) \(row.op) \(row.shapes): \(row.detail ?? "")")
            }
        }
        let s = report.summary
        lines.append(
            "\(report.selector): \(report.passed ? "passed" : "FAILED") — \(s.passed) passed, \(s.failed) failed, "
                + "\(s.skipped) skipped in \(String(format: "%.1f", s.seconds)) s")
        return lines
    }

    private static func mark(_ status: CheckStatus) -> String {
        switch status {
        case .pass: "ok"
        case .fail: "FAIL"
        case .skipped: "skip"
        }
    }

    private static func number(_ value: Double?) -> String {
        guard let value else { return "-" }
        return value == 0 ? "0" : String(format: "%.1e", value)
    }
}
