import FlowTraining
import Foundation
import Hummingbird

/// `/v1/jobs`: submit, list (newest first, `?status=`, cursor `?after=<id>&limit=`), show, and
/// the cancel / pause / resume transitions (409 where the job's state does not allow one).
enum JobRoutes {
    static func register(_ routes: RouteRegistrar, core: ServiceCore) {
        routes.on(.post, "/v1/jobs") { request, _ in try await submit(request, core: core) }
        routes.on(.get, "/v1/jobs") { request, _ in try await list(request, core: core) }
        routes.on(.get, "/v1/jobs/{id}") { _, context in
            let id = try PathParameters.id(context, what: "job")
            return JSONResponse.make(try await view(id, core: core))
        }
        for action in ["cancel", "pause", "resume"] {
            routes.on(.post, "/v1/jobs/{id}/\(action)") { _, context in
                let id = try PathParameters.id(context, what: "job")
                let outcome: JobStore.Outcome =
                    switch action {
                    case "cancel": try await core.scheduler.stop(id, .cancel)
                    case "pause": try await core.scheduler.stop(id, .pause)
                    default: try await core.scheduler.resume(id)
                    }
                switch outcome {
                case .notFound: throw APIError.notFound("no job \(id)")
                case let .conflict(job): throw APIError.conflict("cannot \(action) job \(id): it is \(job.status.rawValue)")
                case let .done(job):
                    return JSONResponse.make(Views.job(job, datasets: try await core.store.datasetIds(ofJob: id), paths: core.paths))
                }
            }
        }
    }

    static func view(_ id: String, core: ServiceCore) async throws -> JSONValue {
        guard let job = try await core.store.job(id) else { throw APIError.notFound("no job \(id)") }
        return Views.job(job, datasets: try await core.store.datasetIds(ofJob: id), paths: core.paths)
    }

    private static func submit(_ request: Request, core: ServiceCore) async throws -> Response {
        let body = try await RequestJSON.read(request, limit: core.options.maxJSONBytes)
        let submission = try await JobSubmission.parse(body, store: core.store, paths: core.paths, options: core.options)
        let id = Identifier.newJob()
        // The job's files first, then the row: a crash in between leaves an unused folder, never a
        // job without its config.
        let folder = core.paths.job(id)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try AtomicFile.write(submission.config.encoded(), to: core.paths.jobConfig(id))
        } catch {
            try? FileManager.default.removeItem(at: folder)
            throw APIError.internalError("cannot write the job's files in the state directory: \(ErrorText.describe(error))")
        }
        let now = Date().timeIntervalSince1970
        let record = JobRecord(
            id: id, name: submission.name, device: submission.device, priority: submission.priority,
            totalSteps: submission.config.train.steps, createdAt: now)
        switch try await core.store.insertJob(record, datasets: submission.datasets, now: now) {
        case let .failure(missing):
            try? FileManager.default.removeItem(at: folder)
            throw APIError.invalidConfig("data sets were deleted meanwhile: \(missing.ids.joined(separator: ", "))")
        case let .success(job):
            Task { await core.scheduler.schedule() }
            return JSONResponse.make(
                Views.job(job, datasets: submission.datasets.sorted(), paths: core.paths), status: .created,
                headers: [.location: "/v1/jobs/\(job.id)"])
        }
    }

    private static func list(_ request: Request, core: ServiceCore) async throws -> Response {
        let query = request.uri.queryParameters
        var status: JobStatus?
        if let text = query["status"] {
            guard let value = JobStatus(rawValue: String(text)) else {
                throw APIError.badRequest("unknown status '\(text)'; one of \(JobStatus.names)")
            }
            status = value
        }
        var limit = 50
        if let text = query["limit"] {
            guard let value = Int(text), (1...500).contains(value) else { throw APIError.badRequest("limit must be an integer in 1...500") }
            limit = value
        }
        var before: Int64?
        if let after = query["after"] {
            guard Identifier.isValid(after), let job = try await core.store.job(String(after)), let seq = job.seq else {
                throw APIError.badRequest("'after' must be the id of a job (the 'next' of the previous page)")
            }
            before = seq
        }
        let jobs = try await core.store.jobs(status: status, before: before, limit: limit + 1)
        let page = Array(jobs.prefix(limit))
        var views: [JSONValue] = []
        for job in page {
            views.append(Views.job(job, datasets: try await core.store.datasetIds(ofJob: job.id), paths: core.paths))
        }
        let next: JSONValue = jobs.count > limit ? .string(page.last?.id ?? "") : .null
        return JSONResponse.make(.object(["jobs": .array(views), "next": next]))
    }
}
