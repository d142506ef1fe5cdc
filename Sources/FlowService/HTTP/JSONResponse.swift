import FlowTraining
import Foundation
import HTTPTypes
import Hummingbird

/// JSON responses (sorted keys, `application/json`).
enum JSONResponse {
    static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        // Encoding a JSONValue cannot fail: it holds no non-finite numbers (JSONText.number maps
        // them to null) and no other non-encodable values.
        let data = (try? JSONText.data(value)) ?? Data(#"{"error":{"code":"internal","message":"response could not be encoded"}}"#.utf8)
        var buffer = ByteBuffer()
        buffer.writeBytes(data)
        buffer.writeString("\n")
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .contentLength: "\(buffer.readableBytes)"]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: .init(byteBuffer: buffer))
    }

    static func text(_ text: String, contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        let buffer = ByteBuffer(string: text)
        return Response(
            status: status, headers: [.contentType: contentType, .contentLength: "\(buffer.readableBytes)"], body: .init(byteBuffer: buffer))
    }
}
