import Foundation
import Synchronization

/// How many threads the CPU backend computes on: `flowkit train --threads N`, else the environment
/// variable `FLOWKIT_THREADS`, else the number of cores this process may use. The results never
/// depend on it (every op cuts its work by the problem's shape, see `FixedSplit`); only the speed does.
///
/// The worker pool is process-wide and starts on the first op that uses it, with the count set
/// at that moment; setting another count afterwards is an error rather than silently ignored.
public enum CPUThreads {
    /// The counts accepted: more threads than cores are allowed (they only cost time).
    public static let limit = 1...1024
    public static let environmentVariable = "FLOWKIT_THREADS"

    /// The cores this process may run on.
    public static var cores: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    public struct SettingError: Error, CustomStringConvertible {
        public let description: String
    }

    private struct State {
        var chosen: Int?
        /// The count the pool started with, once it has.
        var started: Int?
    }

    private static let state = Mutex(State())

    /// The count the pool runs with, or will start with.
    public static var count: Int {
        state.withLock { $0.started ?? $0.chosen ?? defaultCount() }
    }

    /// Sets the count for the pool to start with. Throws when the count is out of range, or when
    /// the pool already runs with another count.
    public static func set(_ count: Int, source: String = "--threads") throws {
        guard limit.contains(count) else {
            throw SettingError(description: "\(source) must be in \(limit.lowerBound)...\(limit.upperBound), got \(count)")
        }
        try state.withLock { current in
            if let started = current.started, started != count {
                throw SettingError(description: "\(source) \(count): the CPU's worker pool already runs with \(started) threads")
            }
            current.chosen = count
        }
    }

    /// `FLOWKIT_THREADS` as a count: nil when it is unset or empty, an error naming the variable
    /// when it is not a whole number in `limit`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Int? {
        guard let text = environment[environmentVariable]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        guard let value = Int(text), limit.contains(value) else {
            throw SettingError(
                description: "\(environmentVariable) must be a whole number in \(limit.lowerBound)...\(limit.upperBound), got '\(text)'")
        }
        return value
    }

    /// The count, fixed from now on: called once, when the pool starts.
    static func start() -> Int {
        state.withLock { current in
            let count = current.started ?? current.chosen ?? defaultCount()
            current.started = count
            return count
        }
    }

    /// `FLOWKIT_THREADS` when it is valid (the command line has already refused an invalid one),
    /// else the core count.
    private static func defaultCount() -> Int {
        (try? fromEnvironment()).flatMap { $0 } ?? cores
    }
}
