import FlowTraining
import Foundation

/// A `POST /v1/jobs` body checked and resolved: `{"config": {…}, "device": "cpu", "name": "…",
/// "priority": 0}`. The data files the config names are uploaded data sets (`dataset:<id>`) or
/// paths under the data root; they are replaced by the stored files' absolute paths, and the
/// result is validated by `TrainingConfig.parse` exactly as `flowkit train` validates a file.
struct JobSubmission {
    let config: TrainingConfig
    let datasets: [String]
    let device: String
    let name: String?
    let priority: Int

    static let keys: Set<String> = ["config", "device", "name", "priority"]
    static let dataKeys = ["train", "validation", "test"]

    static func parse(_ body: JSONValue, store: JobStore, paths: StatePaths, options: ServerOptions) async throws -> JobSubmission {
        guard case let .object(object) = body else { throw APIError.badRequest("the body must be a JSON object with a 'config'") }
        for key in object.keys.sorted() where !keys.contains(key) {
            throw APIError.badRequest("unknown key '\(key)' in the job (allowed: \(keys.sorted().joined(separator: ", ")))")
        }
        guard case var .object(config)? = object["config"] else {
            throw APIError.badRequest("'config' is required and must be a JSON object (a training config, as for flowkit train)")
        }
        let device: String
        switch object["device"] {
        case nil, .null?: device = options.devices.first ?? "cpu"
        case let .string(value)?:
            guard options.devices.contains(value) else {
                throw APIError.badRequest("device '\(value)' is not served here; served: \(options.devices.joined(separator: ", "))")
            }
            device = value
        default: throw APIError.badRequest("'device' must be a string")
        }
        var name: String?
        switch object["name"] {
        case nil, .null?: name = nil
        case let .string(value)?:
            guard value.count <= 200, !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw APIError.badRequest("'name' must be at most 200 characters without control characters")
            }
            name = value
        default: throw APIError.badRequest("'name' must be a string")
        }
        var priority = 0
        switch object["priority"] {
        case nil, .null?: break
        case let .number(value)?:
            guard value == value.rounded(), (-1000...1000).contains(value) else {
                throw APIError.badRequest("'priority' must be an integer in -1000...1000")
            }
            priority = Int(value)
        default: throw APIError.badRequest("'priority' must be an integer in -1000...1000")
        }

        var datasets: [String] = []
        if case var .object(data)? = config["data"] {
            let kind: String? = if case let .string(kind)? = data["kind"] { kind } else { nil }
            for key in dataKeys {
                guard case let .string(reference)? = data[key] else { continue }
                let resolved = try await resolve(reference, key: "data.\(key)", kind: kind, store: store, paths: paths, options: options)
                data[key] = .string(resolved.path)
                if let id = resolved.dataset { datasets.append(id) }
            }
            config["data"] = .object(data)
        }
        let parsed: TrainingConfig
        do {
            parsed = try TrainingConfig.parse(try JSONText.data(.object(config)))
        } catch let error as ConfigError {
            throw APIError.invalidConfig("\(error)")
        }
        return JobSubmission(config: parsed, datasets: datasets, device: device, name: name, priority: priority)
    }

    /// `dataset:<id>` → the stored file; a path → the file under the data root.
    private static func resolve(
        _ reference: String, key: String, kind: String?, store: JobStore, paths: StatePaths, options: ServerOptions
    ) async throws -> (path: String, dataset: String?) {
        let prefix = "dataset:"
        if reference.hasPrefix(prefix) {
            let id = String(reference.dropFirst(prefix.count))
            guard Identifier.isValid(id), let record = try await store.dataset(id) else {
                throw APIError.invalidConfig("config key '\(key)': no uploaded data set '\(id)' (upload one with POST /v1/datasets)")
            }
            let accepted: [DatasetRecord.Format] =
                switch kind {
                case "csv": [.csv, .npy]
                case "npy": [.npy]
                case "idx": [.idx]
                default: DatasetRecord.Format.allCases
                }
            guard accepted.contains(record.format) else {
                throw APIError.invalidConfig(
                    "config key '\(key)': data set \(id) is a \(record.format.rawValue) file; data.kind \(kind ?? "?") reads \(accepted.map(\.rawValue).joined(separator: " or "))"
                )
            }
            return (paths.dataset(id, format: record.format).path, id)
        }
        guard let root = options.dataRoot else {
            throw APIError.invalidConfig(
                "config key '\(key)': '\(reference)' is not an uploaded data set; name one as \"dataset:<id>\" (this server has no --data-root for files by path)"
            )
        }
        guard let rootReal = realpath(root, nil) else {
            throw APIError.internalError("the data root \(root) cannot be resolved")
        }
        let rootPath = String(cString: rootReal)
        free(rootReal)
        let rootPrefix = rootPath.hasSuffix("/") ? rootPath : rootPath + "/"
        let outside = APIError.invalidConfig(
            "config key '\(key)': '\(reference)' is not a file under the data root (paths are relative to --data-root, without '..')")
        // Checked before touching the file system, so nothing outside the root is even looked at.
        guard !reference.split(separator: "/").contains(".."), !reference.isEmpty else { throw outside }
        let candidate = reference.hasPrefix("/") ? reference : rootPrefix + reference
        guard candidate.hasPrefix(rootPrefix) else { throw outside }
        guard let real = realpath(candidate, nil) else { throw outside }
        let path = String(cString: real)
        free(real)
        // A symbolic link inside the root may point out of it.
        guard path.hasPrefix(rootPrefix) else { throw outside }
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { throw outside }
        return (path, nil)
    }
}
