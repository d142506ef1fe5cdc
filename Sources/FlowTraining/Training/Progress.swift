import Foundation

/// Shows training progress: a live line on a terminal (step/total, steps/s, ETA, loss, bits/dim),
/// otherwise a plain log line every few seconds.
final class Progress {
    let total: Int
    let interactive: Bool
    let log: @Sendable (String) -> Void
    private let start = Date()
    private var firstStep: Int?
    private var lastPrint = Date.distantPast
    private(set) var stepsPerSecond = 0.0

    init(total: Int, interactive: Bool, log: @escaping @Sendable (String) -> Void) {
        self.total = total
        self.interactive = interactive
        self.log = log
    }

    func update(step: Int, loss: Double, bitsPerDim: Double?) {
        if firstStep == nil { firstStep = step - 1 }
        let elapsed = Date().timeIntervalSince(start)
        stepsPerSecond = elapsed > 0 ? Double(step - (firstStep ?? 0)) / elapsed : 0
        let interval: TimeInterval = interactive ? 0.2 : 10
        guard Date().timeIntervalSince(lastPrint) >= interval || step == total else { return }
        lastPrint = Date()
        let remaining = stepsPerSecond > 0 ? Double(total - step) / stepsPerSecond : 0
        // Steps are Int (64-bit): interpolated, never through printf's 32-bit %d.
        var line = "step \(step)/\(total)  " + String(format: "%.1f steps/s  ETA %@  loss %@", stepsPerSecond, Self.duration(remaining), Trainer.format(loss))
        if let bitsPerDim { line += String(format: "  %.3f bits/dim", bitsPerDim) }
        if interactive {
            FileHandle.standardOutput.write(Data("\r\u{1B}[K\(line)".utf8))
        } else {
            log(line)
        }
    }

    func finish() {
        if interactive { FileHandle.standardOutput.write(Data("\n".utf8)) }
    }

    static func duration(_ seconds: Double) -> String {
        // Beyond a year (or not finite) an exact figure means nothing, and Int(_:) would trap.
        guard seconds.isFinite, seconds >= 0, seconds < 3.2e7 else { return "> 1 year" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s % 3600 / 60) : String(format: "%dm%02ds", s / 60, s % 60)
    }
}
