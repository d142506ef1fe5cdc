import ArgumentParser
import Foundation

struct JobsLogs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs", abstract: "Print a job's events (metrics and state changes); --follow waits for more until the job ends.")

    @Argument(help: "The job id.") var id: String

    @Flag(name: .shortAndLong, help: "Keep printing new events until the job has ended.")
    var follow = false

    @Flag(name: .long, help: "Print each event as the server's JSON.")
    var json = false

    @OptionGroup var service: ServiceOptions

    func validate() throws { try checkJobID(id) }

    func run() async throws {
        let client = try service.client()
        var after: Int?
        while true {
            let page = try await client.json("GET", "v1/jobs/\(id)/events", query: after.map { ["after": "\($0)"] } ?? [:])
            for event in page["events"] as? [[String: Any]] ?? [] {
                if let sequence = event["seq"] as? Int { after = sequence }
                print(json ? Self.jsonLine(event) : Self.describe(event))
            }
            guard follow else { return }
            let job = try await client.json("GET", "v1/jobs/\(id)")
            let status = job["status"] as? String ?? ""
            if ["succeeded", "failed", "cancelled"].contains(status), (page["events"] as? [Any])?.isEmpty ?? true { return }
            try await Task.sleep(for: .seconds(1))
        }
    }

    static func jsonLine(_ event: [String: Any]) -> String {
        (try? JSONSerialization.data(withJSONObject: event, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "\(event)"
    }

    /// A learning rate in one format at every size (a schedule makes them span decades, and the
    /// JSON keeps every digit): four significant digits in scientific notation, `1.000e-03`.
    static func learningRate(_ value: Any?) -> String {
        guard let value = value as? Double, value.isFinite else { return "—" }
        return String(format: "%.3e", value)
    }

    /// A metric line or a state change, as the trainer's own log would say it.
    static func describe(_ event: [String: Any]) -> String {
        let data = event["data"] as? [String: Any] ?? event
        let step = (data["step"] as? Int).map { "step \($0)" } ?? ""
        if event["type"] as? String == "state" { return "state: \(jsonLine(data))" }
        switch data["event"] as? String ?? "" {
        case "train": return "\(step)  loss \(JobTable.number(data["loss"]))  lr \(learningRate(data["learningRate"]))"
        case "eval": return "\(step)  validation NLL \(JobTable.number(data["validationNLL"]))"
        case "test": return "\(step)  test NLL \(JobTable.number(data["testNLL"])) (\(data["model"] as? String ?? ""))"
        case "skip": return "\(step)  non-finite step skipped (\(data["transform"] as? String ?? ""))"
        case "checkpoint": return "\(step)  checkpoint written"
        default: return jsonLine(event)
        }
    }
}
