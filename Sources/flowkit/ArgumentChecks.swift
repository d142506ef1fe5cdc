import ArgumentParser
import FlowTraining

/// Checks shared by the commands' `validate()`.
enum ArgumentChecks {
    /// An empty `--run-dir` would put a run's files into the current directory.
    static func runDirectory(_ path: String) throws {
        guard !path.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationError("--run-dir must name a directory, got an empty string")
        }
    }

    /// A count flag within its range, with the range in the message.
    static func count(_ value: Int, _ flag: String, in range: ClosedRange<Int>) throws {
        guard range.contains(value) else {
            throw ValidationError("\(flag) must be in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
    }
}
