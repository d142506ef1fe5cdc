import FlowTraining
import Foundation
import Hummingbird

/// `/v1/datasets`: upload (streamed to disk, validated by the training loaders, stored under
/// its SHA-256), list, show, delete.
enum DatasetRoutes {
    static func register(_ routes: RouteRegistrar, core: ServiceCore) {
        routes.on(.post, "/v1/datasets") { request, _ in try await upload(request, core: core) }
        routes.on(.get, "/v1/datasets") { _, _ in
            let records = try await core.store.datasets()
            return JSONResponse.make(.object(["datasets": .array(records.map(Views.dataset))]))
        }
        routes.on(.get, "/v1/datasets/{id}") { _, context in
            let id = try PathParameters.id(context, what: "data set")
            guard let record = try await core.store.dataset(id) else { throw APIError.notFound("no data set \(id)") }
            return JSONResponse.make(Views.dataset(record))
        }
        routes.on(.delete, "/v1/datasets/{id}") { _, context in
            let id = try PathParameters.id(context, what: "data set")
            let paths = core.paths
            switch try await core.store.deleteDataset(id, holdsModel: { RunFiles.holdsModel(paths.run($0)) }) {
            case .notFound:
                throw APIError.notFound("no data set \(id)")
            case let .inUse(jobs):
                throw APIError.conflict(DatasetInUse.message(dataset: id, jobs: jobs))
            case let .deleted(record):
                try? FileManager.default.removeItem(at: core.paths.dataset(record.id, format: record.format))
                return JSONResponse.make(.object(["deleted": .string(record.id)]))
            }
        }
    }

    private static func upload(_ request: Request, core: ServiceCore) async throws -> Response {
        let query = request.uri.queryParameters
        let formats = DatasetRecord.Format.allCases.map(\.rawValue).joined(separator: ", ")
        guard let formatName = query["format"].map(String.init) else {
            throw APIError.badRequest("query parameter 'format' is required: one of \(formats)")
        }
        guard let format = DatasetRecord.Format(rawValue: formatName) else {
            // Echoed shortened: the value comes from the client and may be long.
            let shown = formatName.count > 40 ? formatName.prefix(40) + "…" : formatName
            throw APIError.badRequest("query parameter 'format' is '\(shown)', which is not one of \(formats)")
        }
        let name = query["name"].map(String.init) ?? "upload.\(format.rawValue)"
        guard !name.isEmpty, name.count <= 200, !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw APIError.badRequest("'name' must be 1 to 200 characters without control characters")
        }
        let limit = core.options.maxUploadBytes
        if let length = request.headers[.contentLength].flatMap({ Int64($0) }), length > limit {
            throw APIError.tooLarge("the upload has \(length) bytes, more than the limit of \(limit) (--max-upload-bytes)")
        }
        let temporary = core.paths.uploads.appendingPathComponent("\(Identifier.random()).part")
        let received = try await UploadReceiver.receive(request.body, to: temporary, limit: limit)
        defer { try? FileManager.default.removeItem(at: temporary) }
        guard received.bytes > 0 else { throw APIError.badRequest("the upload is empty") }
        let shape = try await DatasetValidator.validate(temporary, format: format, name: name)
        if let existing = try await core.store.dataset(received.digest) {
            return JSONResponse.make(Views.dataset(existing))
        }
        let target = core.paths.dataset(received.digest, format: format)
        guard rename(temporary.path, target.path) == 0 else {
            throw APIError.internalError("cannot store the data set in the state directory (errno \(errno))")
        }
        let record = DatasetRecord(
            id: received.digest, name: name, format: format, bytes: received.bytes, shape: shape, createdAt: Date().timeIntervalSince1970)
        let (stored, created) = try await core.store.insertDataset(record)
        if created {
            core.metrics.uploads.increment()
            core.metrics.uploadBytes.increment(by: received.bytes)
        }
        return JSONResponse.make(Views.dataset(stored), status: created ? .created : .ok, headers: [.location: "/v1/datasets/\(stored.id)"])
    }
}
