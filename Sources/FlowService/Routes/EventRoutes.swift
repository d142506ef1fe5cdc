import FlowTraining
import Foundation
import HTTPTypes
import Hummingbird

/// `GET /v1/jobs/{id}/events`: the job's state changes and metric lines, in order. As JSON, one
/// page after `?after=<seq>`; with `Accept: text/event-stream`, a live Server-Sent-Events stream
/// (`id:` = seq, `event:` state or metric, `data:` the JSON) from `Last-Event-ID` or `?after=`,
/// which ends once the job has succeeded, failed or been cancelled and everything was sent.
enum EventRoutes {
    static let lastEventID = HTTPField.Name("Last-Event-ID")
    /// The largest seq a client may name: 2⁵³ − 1, the largest integer a JSON number carries
    /// exactly. The page's `next` echoes `after` when there is nothing newer, and a larger value
    /// would come back rounded, in exponent form, not as the integer the schema promises.
    static let largestSeq: Int64 = 9_007_199_254_740_991

    static func register(_ routes: RouteRegistrar, core: ServiceCore) {
        routes.on(.get, "/v1/jobs/{id}/events") { request, context in
            let id = try PathParameters.id(context, what: "job")
            guard try await core.store.job(id) != nil else { throw APIError.notFound("no job \(id)") }
            let query = request.uri.queryParameters
            var after: Int64 = 0
            if let text = query["after"] {
                guard let value = Int64(text), (0...largestSeq).contains(value) else {
                    throw APIError.badRequest("'after' must be an event seq (an integer from 0 to \(largestSeq))")
                }
                after = value
            }
            var limit = 500
            if let text = query["limit"] {
                guard let value = Int(text), (1...5000).contains(value) else { throw APIError.badRequest("limit must be an integer in 1...5000") }
                limit = value
            }
            // A reconnecting EventSource sends the last id it saw; anything else there is a client bug.
            var lastSeen: Int64?
            if let name = lastEventID, let last = request.headers[name] {
                guard let value = Int64(last.trimmingCharacters(in: .whitespaces)), (0...largestSeq).contains(value) else {
                    throw APIError.badRequest("'Last-Event-ID' must be the id of an event (an integer from 0 to \(largestSeq))")
                }
                lastSeen = value
            }
            let accept = request.headers[.accept] ?? ""
            if accept.contains("text/event-stream") {
                if let lastSeen { after = max(after, lastSeen) }
                return stream(id, after: after, core: core)
            }
            let events = try await core.store.events(jobId: id, after: after, limit: limit)
            let next: JSONValue = events.last?.seq.map { .number(Double($0)) } ?? .number(Double(after))
            return JSONResponse.make(.object(["events": .array(events.map(Views.event)), "next": next]))
        }
    }

    private static func stream(_ id: String, after start: Int64, core: ServiceCore) -> Response {
        let body = ResponseBody { writer in
            var last = start
            var quiet = ContinuousClock.now
            while !core.shutdown.isSet && !Task.isCancelled {
                // The state first, then the events: a finished job's last event is then seen.
                let finished = (try? await core.store.job(id))?.status.isFinished ?? true
                let events = (try? await core.store.events(jobId: id, after: last, limit: 500)) ?? []
                if !events.isEmpty {
                    var buffer = ByteBuffer()
                    for event in events {
                        let data = (try? JSONText.data(Views.event(event))).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
                        buffer.writeString("id: \(event.seq ?? 0)\nevent: \(event.type.rawValue)\ndata: \(data)\n\n")
                        last = event.seq ?? last
                    }
                    try await writer.write(buffer)
                    quiet = ContinuousClock.now
                    continue
                }
                if finished { break }
                if ContinuousClock.now - quiet > .seconds(15) {
                    try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    quiet = ContinuousClock.now
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"], body: body)
    }
}
