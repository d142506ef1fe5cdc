import Hummingbird

/// Records every request in `RequestMetrics`. It is the outermost middleware, so it sees the
/// answer the client gets: the error middleware inside it has already turned every thrown error
/// (a refused token, an unknown route, a bad body) into its JSON response and status. The count
/// and the duration are taken when the body has been written, so a streamed answer (the event
/// stream, a file) is timed to its end and stays among the active requests until then.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let metrics: RequestMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let method = request.method.rawValue
        let active = metrics.active(method: method)
        active.increment()
        let metrics = self.metrics
        // Read when the answer is done: the router names the route (and Hummingbird's
        // "NotFound" marks none) on a context shared with this one.
        let finish: @Sendable (Int) -> Void = { status in
            let route = context.endpointPath.flatMap { $0 == "NotFound" ? nil : $0 } ?? RequestMetrics.unmatchedRoute
            metrics.record(route: route, method: method, status: status, duration: ContinuousClock.now - start)
            active.decrement()
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            // Only an error the error middleware could not encode reaches here; Hummingbird answers it with its status or 500.
            finish((error as? any HTTPResponseError)?.status.code ?? 500)
            throw error
        }
        let status = response.status.code
        let body = response.body
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            do {
                try await body.write(writer)
            } catch {
                finish(status)
                throw error
            }
            finish(status)
        }
        return response
    }
}
