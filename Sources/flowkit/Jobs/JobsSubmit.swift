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
        // Strict parse first: a bad config fails here with its file, line and column, before any upload.
        let place = config.map { " (in \($0))" } ?? ""
        let parsed: JSONValue
        do {
            parsed = try StrictJSON.parse(text)
        } catch {
            throw ConfigError(key: "", "not valid JSON: \(error)\(place)")
        }
        guard case var .object(root) = parsed else { throw ConfigError(key: "", "the config must be a JSON object\(place)") }
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
            section[Self.dataKeys[index]] = .string("dataset:\(id)")
            if section["kind"] == nil { section["kind"] = .string(format) }
        }
        if !data.isEmpty { root["data"] = .object(section) }
        let configObject = try JSONSerialization.jsonObject(with: JSONEncoder().encode(JSONValue.object(root)))
        var body: [String: Any] = ["config": configObject, "device": device, "priority": priority]
        if let name { body["name"] = name }
        let job: [String: Any]
        do {
            job = try await client.json("POST", "v1/jobs", body: body)
        } catch let failure as ServiceClient.Failure where failure.status == 400 && data.isEmpty {
            throw suggestingData(failure, section: section)
        }
        print(job["id"] as? String ?? "")
    }

    /// A refused data file the config names by path: the server reads only uploaded data sets
    /// (and files under its --data-root), so a file on this machine has to travel with --data.
    /// The hint is added only when every file it would pass exists here.
    func suggestingData(_ failure: ServiceClient.Failure, section: [String: JSONValue]) -> ServiceClient.Failure {
        let base = config.map { URL(fileURLWithPath: $0).deletingLastPathComponent() } ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        func localPath(_ key: String) -> String? {
            guard case let .string(reference)? = section[key], !reference.hasPrefix("dataset:") else { return nil }
            return reference.hasPrefix("/") ? reference : base.appendingPathComponent(reference).standardizedFileURL.path
        }
        let local = Self.dataKeys.filter { localPath($0) != nil }
        guard local.contains(where: { failure.description.contains("'data.\($0)'") }),
            let last = local.last, let count = Self.dataKeys.firstIndex(of: last).map({ $0 + 1 })
        else { return failure }
        // --data files replace data.train, data.validation, data.test in order: every key up to
        // the last local one must be a local file for the hint to be a command that works.
        let paths = Self.dataKeys.prefix(count).compactMap(localPath)
        guard paths.count == count, paths.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) else { return failure }
        let keys = Self.dataKeys.prefix(count).map { "data.\($0)" }.joined(separator: ", ")
        let replaces = count == 1 ? "it replaces data.train" : "they replace \(keys) in order"
        return ServiceClient.Failure(
            description: failure.description + "\nThe config names a file on this machine; to upload it with the job, pass it with --data "
                + "(\(replaces)): flowkit jobs submit \(config ?? "CONFIG") \(paths.map { "--data \($0)" }.joined(separator: " "))",
            status: failure.status)
    }

    static let dataKeys = ["train", "validation", "test"]

    /// The upload format: the file's extension, else the config's data.kind.
    static func format(of file: String, kind: JSONValue?) -> String {
        let ext = URL(fileURLWithPath: file).pathExtension.lowercased()
        if ["csv", "npy", "idx"].contains(ext) { return ext }
        if case let .string(kind)? = kind, ["csv", "npy", "idx"].contains(kind) { return kind }
        return ext.hasSuffix("ubyte") ? "idx" : "csv"
    }
}
