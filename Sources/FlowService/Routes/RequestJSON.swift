import FlowTraining
import Foundation
import Hummingbird

/// Reads a JSON request body: at most `limit` bytes (else 413), parsed strictly (a syntax error
/// is a 400 with its line and column; a key given twice is an error naming it).
enum RequestJSON {
    static func read(_ request: Request, limit: Int) async throws -> JSONValue {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw APIError.tooLarge("the JSON body has \(length) bytes, more than the limit of \(limit)")
        }
        var collected = ByteBuffer()
        for try await buffer in request.body {
            guard collected.readableBytes + buffer.readableBytes <= limit else {
                throw APIError.tooLarge("the JSON body is larger than the limit of \(limit) bytes")
            }
            var part = buffer
            collected.writeBuffer(&part)
        }
        guard collected.readableBytes > 0 else { throw APIError.badRequest("the request needs a JSON body") }
        do {
            return try StrictJSON.parse(Data(collected.readableBytesView))
        } catch {
            throw APIError.badRequest("the body is not valid JSON: \(error)")
        }
    }
}
