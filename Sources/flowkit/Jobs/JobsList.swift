import ArgumentParser
import Foundation

struct JobsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List jobs, newest first.")

    @Option(name: .long, help: "Only jobs with this status (queued, running, paused, succeeded, failed, cancelled).")
    var status: String?

    @Option(name: .long, parsing: .unconditional, help: "At most this many jobs.")
    var limit = 50

    @Flag(name: .long, help: "Print the server's JSON instead of a table.")
    var json = false

    @OptionGroup var service: ServiceOptions

    // 500: the most the server returns in one page.
    func validate() throws { try ArgumentChecks.count(limit, "--limit", in: 1...500) }

    func run() async throws {
        var query = ["limit": "\(limit)"]
        if let status { query["status"] = status }
        let reply = try await service.client().request("GET", "v1/jobs", query: query)
        if json {
            print(String(decoding: reply.body, as: UTF8.self))
            return
        }
        let jobs = try reply.object()["jobs"] as? [[String: Any]] ?? []
        print(JobTable.header)
        for job in jobs { print(JobTable.row(job)) }
    }
}

/// One line per job, for `list` (and the first line of `show`).
enum JobTable {
    static let header = pad("ID", 38) + pad("STATUS", 11) + pad("STEP", 20) + pad("LOSS", 11) + pad("VALIDATION", 11) + "NAME"

    static func row(_ job: [String: Any]) -> String {
        let step = "\(job["step"] as? Int ?? 0)/\(job["totalSteps"] as? Int ?? 0)"
        return pad(job["id"] as? String ?? "?", 38) + pad(job["status"] as? String ?? "?", 11) + pad(step, 20)
            + pad(number(job["loss"]), 11) + pad(number(job["validationNLL"]), 11) + (job["name"] as? String ?? "")
    }

    static func number(_ value: Any?) -> String {
        guard let value = value as? Double else { return "—" }
        return String(format: "%.4f", value)
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text.padding(toLength: width, withPad: " ", startingAt: 0)
    }
}
