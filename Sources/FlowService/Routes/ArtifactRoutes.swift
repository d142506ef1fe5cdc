import FlowTraining
import Foundation
import Hummingbird

/// A job's checkpoints and the files of its run directory, by fixed names only: a name is
/// looked up in `names`, never joined to a path.
enum ArtifactRoutes {
    static let names: [String: String] = [
        "loss.svg": "image/svg+xml",
        "samples.svg": "image/svg+xml",
        "density.svg": "image/svg+xml",
        "best.safetensors": "application/octet-stream",
        "config.json": "application/json",
        "metrics.jsonl": "application/x-ndjson",
    ]

    static func register(_ routes: RouteRegistrar, core: ServiceCore) {
        routes.on(.get, "/v1/jobs/{id}/checkpoints") { _, context in
            let id = try PathParameters.id(context, what: "job")
            guard try await core.store.job(id) != nil else { throw APIError.notFound("no job \(id)") }
            let run = core.paths.run(id)
            let folder = run.appendingPathComponent("checkpoints")
            let steps = CheckpointStore(runDirectory: run, keep: 1).steps()
            let entries: [JSONValue] = steps.map { step in
                let stem = String(format: "step-%08d", step)
                let tensors = folder.appendingPathComponent("\(stem).safetensors").path
                var info = stat()
                let exists = stat(tensors, &info) == 0
                return .object([
                    "step": .number(Double(step)),
                    "file": .string("checkpoints/\(stem).safetensors"),
                    "bytes": exists ? .number(Double(info.st_size)) : .null,
                    "modifiedAt": exists ? JSONText.time(Double(info.st_mtim.tv_sec)) : .null,
                ])
            }
            return JSONResponse.make(.object(["checkpoints": .array(entries)]))
        }
        routes.on(.get, "/v1/jobs/{id}/artifacts") { _, context in
            let id = try PathParameters.id(context, what: "job")
            guard try await core.store.job(id) != nil else { throw APIError.notFound("no job \(id)") }
            var entries: [JSONValue] = []
            for name in names.keys.sorted() {
                var info = stat()
                guard stat(file(name, job: id, core: core).path, &info) == 0 else { continue }
                entries.append(
                    .object([
                        "name": .string(name), "bytes": .number(Double(info.st_size)), "contentType": .string(names[name] ?? ""),
                        "url": .string("/v1/jobs/\(id)/artifacts/\(name)"),
                    ]))
            }
            return JSONResponse.make(.object(["artifacts": .array(entries)]))
        }
        routes.on(.get, "/v1/jobs/{id}/artifacts/{name}") { _, context in
            let id = try PathParameters.id(context, what: "job")
            guard let name = context.parameters.get("name"), let type = names[name] else {
                throw APIError.notFound("unknown artifact; one of \(names.keys.sorted().joined(separator: ", "))")
            }
            guard try await core.store.job(id) != nil else { throw APIError.notFound("no job \(id)") }
            guard let response = FileResponse.make(file(name, job: id, core: core), contentType: type) else {
                throw APIError.notFound("job \(id) has no \(name) yet")
            }
            return response
        }
    }

    /// The run's file, except `config.json` before the run started (the job's own copy then).
    private static func file(_ name: String, job id: String, core: ServiceCore) -> URL {
        let run = core.paths.run(id).appendingPathComponent(name)
        if name == "config.json", !FileManager.default.fileExists(atPath: run.path) { return core.paths.jobConfig(id) }
        return run
    }
}
