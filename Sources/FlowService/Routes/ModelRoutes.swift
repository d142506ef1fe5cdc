import FlowTraining
import Foundation
import HTTPTypes
import Hummingbird

/// `POST /v1/jobs/{id}/logprob` and `/samples`: the job's model (its best model, else its newest
/// checkpoint) answering requests, the same numbers as `flowkit logprob` / `flowkit sample` on
/// the job's run directory. Models come from the bounded cache; each is an actor, so concurrent
/// requests on one job are answered one at a time and always as a serial run would be.
enum ModelRoutes {
    /// Samples per request: the answer (up to a few hundred MB as JSON) stays bounded.
    static let maximumSamples = 100_000

    static func register(_ routes: RouteRegistrar, core: ServiceCore) {
        routes.on(.post, "/v1/jobs/{id}/logprob") { request, context in
            let model = try await model(request, context, core: core)
            let contentType = request.headers[.contentType] ?? ""
            let values: [Float]
            do {
                if contentType.hasPrefix("text/csv") || contentType.hasPrefix("text/plain") {
                    let body = try await request.body.collect(upTo: core.options.maxJSONBytes)
                    guard let text = String(validating: Array(body.readableBytesView), as: UTF8.self) else {
                        throw APIError.invalidData("the CSV body is not UTF-8 text")
                    }
                    values = try await model.logProbabilities(CSVFile.parse(text, file: "request body"), name: "request body")
                } else {
                    values = try await model.logProbabilities(
                        rows: rows(try await RequestJSON.read(request, limit: core.options.maxJSONBytes)), name: "request body")
                }
            } catch let error as DataError {
                throw APIError.invalidData("\(error)")
            }
            return JSONResponse.make(logProbAnswer(values, source: model.source))
        }
        routes.on(.post, "/v1/jobs/{id}/samples") { request, context in
            let model = try await model(request, context, core: core)
            let body = try await RequestJSON.read(request, limit: core.options.maxJSONBytes)
            guard case let .object(fields) = body else { throw APIError.badRequest("the body must be a JSON object {\"n\": …}") }
            let known: Set = ["n", "seed", "temperature"]
            if let unknown = fields.keys.sorted().first(where: { !known.contains($0) }) {
                throw APIError.badRequest("unknown key '\(unknown)'; known: n, seed, temperature")
            }
            let n = try integer(fields["n"], "n", in: 1...maximumSamples) ?? 100
            let seed = try integer(fields["seed"], "seed", in: ConfigLimits.seed) ?? 0
            var temperature: Float = 1
            if let value = fields["temperature"] {
                guard case let .number(number) = value, number > 0, number <= 100 else { throw APIError.badRequest("temperature must be a number in (0, 100]") }
                temperature = Float(number)
            }
            let values = try await model.samples(n, seed: UInt64(seed), temperature: temperature)
            return try encode(values, shape: [n] + model.eventShape, model: model, accept: request.headers[.accept] ?? "application/json")
        }
    }

    private static func model(_ request: Request, _ context: BasicRequestContext, core: ServiceCore) async throws -> InferenceModel {
        let id = try PathParameters.id(context, what: "job")
        guard try await core.store.job(id) != nil else { throw APIError.notFound("no job \(id)") }
        let run = RunDirectory(core.paths.run(id).path)
        guard RunFiles.holdsModel(run.url) else {
            throw APIError.conflict("job \(id) has no trained model yet (no best model and no checkpoint)")
        }
        do {
            return try await core.models.model(for: run)
        } catch {
            throw APIError.conflict("job \(id)'s model cannot be loaded: \(ErrorText.describe(error))")
        }
    }

    /// `{"x": [[…], …]}` → rows of Floats.
    private static func rows(_ body: JSONValue) throws -> [[Float]] {
        guard case let .object(fields) = body, case let .array(rows)? = fields["x"], fields.count == 1 else {
            throw APIError.badRequest("the body must be {\"x\": [[…], …]} (or CSV text with Content-Type: text/csv)")
        }
        return try rows.enumerated().map { index, row in
            guard case let .array(values) = row else { throw APIError.invalidData("x[\(index)] is not an array of numbers") }
            return try values.enumerated().map { column, value in
                guard case let .number(number) = value else { throw APIError.invalidData("x[\(index)][\(column)] is not a number") }
                return Float(number)
            }
        }
    }

    /// JSON has no infinities: a non-finite log-density is null, and `nonFinite` maps its index
    /// to "-inf" (zero density), "inf" or "nan".
    static func logProbAnswer(_ values: [Float], source: String) -> JSONValue {
        var nonFinite: [String: JSONValue] = [:]
        let entries: [JSONValue] = values.enumerated().map { index, value in
            guard value.isFinite else {
                nonFinite["\(index)"] = .string(MetricRecord.name(Double(value)))
                return .null
            }
            return .number(Double(value))
        }
        var answer: [String: JSONValue] = ["logProb": .array(entries), "model": .string(source)]
        if !nonFinite.isEmpty { answer["nonFinite"] = .object(nonFinite) }
        return .object(answer)
    }

    private static func integer(_ value: JSONValue?, _ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value else { return nil }
        guard case let .number(number) = value, number == number.rounded(), number >= Double(range.lowerBound), number <= Double(range.upperBound) else {
            throw APIError.badRequest("\(key) must be an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return Int(number)
    }

    /// Samples as JSON rows (default), CSV, NPY or (image models) a PNG grid, by `Accept`.
    private static func encode(_ values: [Float], shape: [Int], model: InferenceModel, accept: String) throws -> Response {
        let width = shape.dropFirst().reduce(1, *)
        if accept.contains("application/x-npy") || accept.contains("application/octet-stream") {
            return binary(NPYFile.encode(shape: shape, values: values), contentType: "application/x-npy")
        }
        if accept.contains("image/png") {
            guard model.isImage, shape.count == 4 else {
                throw APIError(.notAcceptable, "not_acceptable", "PNG samples are for image models; ask for JSON, CSV or NPY")
            }
            do {
                return binary(try ImageGrid.render(values, shape: shape, levels: model.levels ?? 256).encoded(), contentType: "image/png")
            } catch {
                throw APIError.internalError("the sample grid could not be drawn: \(error)")
            }
        }
        let rows = stride(from: 0, to: values.count, by: max(1, width)).map { Array(values[$0..<min(values.count, $0 + width)]) }
        if accept.contains("text/csv") {
            let text = rows.map { $0.map { "\($0)" }.joined(separator: ",") }.joined(separator: "\n") + "\n"
            return JSONResponse.text(text, contentType: "text/csv; charset=utf-8")
        }
        return JSONResponse.make(
            .object([
                "shape": .array(shape.map { .number(Double($0)) }), "model": .string(model.source),
                "samples": .array(rows.map { .array($0.map { JSONText.number(Double($0)) }) }),
            ]))
    }

    private static func binary(_ data: Data, contentType: String) -> Response {
        var buffer = ByteBuffer()
        buffer.writeBytes(data)
        return Response(status: .ok, headers: [.contentType: contentType, .contentLength: "\(data.count)"], body: .init(byteBuffer: buffer))
    }
}
