import FlowTraining
import Hummingbird

/// Liveness, readiness, metrics and the API description; open without a token.
enum HealthRoutes {
    static func register(_ routes: RouteRegistrar, core: ServiceCore) {
        routes.on(.get, "/healthz") { _, _ in
            JSONResponse.make(.object(["status": .string("ok")]))
        }
        routes.on(.get, "/readyz") { _, _ in
            guard await core.store.ping() else {
                throw APIError(.serviceUnavailable, "unavailable", "the job store does not answer")
            }
            let devices: [JSONValue] = core.devices.map {
                .object(["name": .string($0.name), "kind": .string($0.kind), "description": .string($0.description)])
            }
            return JSONResponse.make(.object(["status": .string("ready"), "store": .string("ok"), "devices": .array(devices)]))
        }
        routes.on(.get, "/metrics") { _, _ in
            let counts = try await core.store.statusCounts()
            let busy = await core.scheduler.busy()
            let text = core.metrics.render(counts: counts, busy: busy, slots: core.options.jobsPerDevice)
            return JSONResponse.text(text, contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        routes.on(.get, "/openapi.json") { _, _ in
            let buffer = ByteBuffer(bytes: OpenAPIDocument.bytes)
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8", .contentLength: "\(buffer.readableBytes)"],
                body: .init(byteBuffer: buffer))
        }
    }
}
