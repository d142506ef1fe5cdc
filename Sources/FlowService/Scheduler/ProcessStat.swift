import Foundation

/// What `/proc/<pid>/stat` says of a process: its state letter and its start time (field 22, in
/// clock ticks since boot). A pid together with its start time names one process for good, so a
/// restarted server never signals a recycled pid.
struct ProcessStat: Equatable, Sendable {
    let state: Character
    let startTime: UInt64

    init?(pid: Int32) {
        guard pid > 0, let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        self.init(text: String(decoding: data, as: UTF8.self))
    }

    /// Parses the line; the command name (field 2) may hold spaces and parentheses, so fields
    /// are counted from the last ')'.
    init?(text: String) {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        // fields[0] is field 3 (state); field 22 is fields[19].
        guard fields.count > 19, let state = fields[0].first, let start = UInt64(fields[19]) else { return nil }
        self.state = state
        self.startTime = start
    }

    /// Whether the process with this pid and start time still runs (a zombie does not).
    static func isAlive(pid: Int32, startTime: UInt64) -> Bool {
        guard let stat = ProcessStat(pid: pid) else { return false }
        return stat.startTime == startTime && stat.state != "Z" && stat.state != "X"
    }
}
