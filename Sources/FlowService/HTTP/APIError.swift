import FlowTraining
import Foundation
import HTTPTypes
import Hummingbird

/// Every error the API returns: a status and `{"error": {"code": "...", "message": "..."}}`.
public struct APIError: HTTPResponseError, CustomStringConvertible, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    /// The JSON body every error response carries.
    var body: JSONValue { .object(["error": .object(["code": .string(code), "message": .string(message)])]) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONResponse.make(body, status: status)
        response.headers.append(contentsOf: headers)
        return response
    }

    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, "bad_request", message) }
    static func invalidConfig(_ message: String) -> APIError { APIError(.badRequest, "invalid_config", message) }
    static func invalidData(_ message: String) -> APIError { APIError(.badRequest, "invalid_data", message) }
    static func notFound(_ message: String) -> APIError { APIError(.notFound, "not_found", message) }
    static func conflict(_ message: String) -> APIError { APIError(.conflict, "conflict", message) }
    static func tooLarge(_ message: String) -> APIError { APIError(.contentTooLarge, "payload_too_large", message) }
    static func internalError(_ message: String) -> APIError { APIError(.internalServerError, "internal", message) }

    static func unauthorized(_ message: String) -> APIError {
        var error = APIError(.unauthorized, "unauthorized", message)
        error.headers[.wwwAuthenticate] = "Bearer"
        return error
    }

    static func methodNotAllowed(_ method: HTTPRequest.Method, _ path: String, allowed: [String]) -> APIError {
        var error = APIError(
            .methodNotAllowed, "method_not_allowed", "\(method.rawValue) is not allowed on \(path); allowed: \(allowed.joined(separator: ", "))")
        error.headers[.allow] = allowed.joined(separator: ", ")
        return error
    }
}
