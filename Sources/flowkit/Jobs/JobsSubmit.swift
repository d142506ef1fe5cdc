import ArgumentParser
import FlowTraining
import Foundation

struct JobsSubmit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit a training job; prints its id.",
        discussion: """
            Each --data FILE is uploaded as a dataset first and replaces, in order, the config's \
            data.train, data.validation and data.test (so a config and its files travel together). \
            Without CONFIG the embedded default is submitted.
            """)

    @Argument(help: "A training config (JSON, as for `flowkit train`).")
    var config: String?

    @Option(name: .long, help: "A data file (CSV, NPY or IDX) to upload: the first becomes data.train, then data.validation, data.test.")
    var data: [String] = []

    @Option(name: .long, help: "Device on the server (cpu, opencl:N, …).")
    var device = "cpu"

    @Option(name: .long, help: "A name for the job.")
    var name: String?

    @Option(name: .long, parsing: .unconditional, help: "Priority (higher runs first).")
    var priority = 0

    @OptionGroup var service: ServiceOptions

    func validate() throws {
        guard data.count <= 3 else { throw ValidationError("at most three --data files (train, validation, test), got \(data.count)") }
    }

    func run() async throws {
        let client = try service.client()
        let text = try config.map { try FileAccess.read($0, what: "config file") } ?? Data(TrainingConfig.embeddedDefault.utf8)
        // Strict parse first: a bad config fails here with line and column, before any upload.
        guard case var .object(root) = try StrictJSON.parse(text) else { throw ValidationError("the config must be a JSON object") }
        var section: [String: JSONValue] = [:]
        if case let .object(existing)? = root["data"] { section = existing }
        for (index, file) in data.enumerated() {
            let bytes = try FileAccess.read(file, what: "data file")
            let format = Self.format(of: file, kind: section["kind"])
            let dataset = try await client.request(
                "POST", "v1/datasets", query: ["format": format, "name": URL(fileURLWithPath: file).lastPathComponent], body: bytes,
                contentType: "application/octet-stream"
            ).object()
            guard let id = dataset["id"] as? String else { throw ValidationError("the server's dataset answer has no id") }
            section[["train", "validation", "test"][index]] = .string("dataset:\(id)")
            if section["kind"] == nil { section["kind"] = .string(format) }
        }
        if !data.isEmpty { root["data"] = .object(section) }
        let configObject = try JSONSerialization.jsonObject(with: JSONEncoder().encode(JSONValue.object(root)))
        var body: [String: Any] = ["config": configObject, "device": device, "priority": priority]
        if let name { body["name"] = name }
        let job = try await client.json("POST", "v1/jobs", body: body)
        print(job["id"] as? String ?? "")
    }

    /// The upload format: the file's extension, else the config's data.kind.
    static func format(of file: String, kind: JSONValue?) -> String {
        let ext = URL(fileURLWithPath: file).pathExtension.lowercased()
        if ["csv", "npy", "idx"].contains(ext) { return ext }
        if case let .string(kind)? = kind, ["csv", "npy", "idx"].contains(kind) { return kind }
        return ext.hasSuffix("ubyte") ? "idx" : "csv"
    }
}
