import FlowTraining
import HTTPTypes
import Hummingbird
import Logging
import NIOHTTP1

/// Turns every error into the API's JSON error body: unknown routes into 404, a known path with
/// another method into 405, Hummingbird's own errors into their status, a body the HTTP parser
/// rejects while a route reads it into 400, anything else into 500.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as HTTPError {
            return try translate(error, request: request).response(from: request, context: context)
        } catch let error as HTTPParserError {
            // The connection cannot carry another request after a broken body.
            var answer = APIError.badRequest("malformed HTTP request: " + MalformedRequestHandler.describe(error))
            answer.headers[.connection] = "close"
            return try answer.response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            return try APIError(error.status, Self.code(error.status), error.status.reasonPhrase).response(from: request, context: context)
        } catch {
            context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(ErrorText.describe(error))"])
            return try APIError.internalError("internal error: \(ErrorText.describe(error))").response(from: request, context: context)
        }
    }

    private func translate(_ error: HTTPError, request: Request) -> APIError {
        if error.status == .notFound {
            let path = request.uri.path
            let allowed = Array(Set(routes.methods(matching: path))).sorted()
            if !allowed.isEmpty { return .methodNotAllowed(request.method, path, allowed: allowed) }
            return .notFound("no route \(request.method.rawValue) \(path) (the API is described at /openapi.json)")
        }
        return APIError(error.status, Self.code(error.status), error.body ?? error.status.reasonPhrase)
    }

    static func code(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "bad_request"
        case 401: "unauthorized"
        case 404: "not_found"
        case 405: "method_not_allowed"
        case 408: "request_timeout"
        case 409: "conflict"
        case 413: "payload_too_large"
        case 415: "unsupported_media_type"
        case 503: "unavailable"
        case 500...: "internal"
        default: "error"
        }
    }
}
