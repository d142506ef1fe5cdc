import Foundation
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Gives a request the HTTP parser rejects the same JSON error body as every other error.
///
/// Hummingbird answers a parser error itself, below the router and its middleware, with an empty
/// `400` (`content-length: 0`, `connection: close`) and closes the connection. This handler sits
/// between the HTTP codec and Hummingbird: it notes the parser error on its way in and, when that
/// empty `400` passes on its way out, gives it a body naming what was wrong. No other response is
/// touched, so one already being written is never interleaved with ours.
final class MalformedRequestHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var parserError: HTTPParserError?
    /// The body owed between the rewritten head and its end.
    private var pendingBody: Data?

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? HTTPParserError { parserError = error }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where parserError != nil && head.status == .badRequest && head.headerFields[.contentLength] == "0":
            let error = APIError.badRequest("malformed HTTP request: " + Self.describe(parserError))
            let body = (try? JSONText.data(error.body)) ?? Data()
            parserError = nil
            pendingBody = body
            head.headerFields[.contentType] = "application/json; charset=utf-8"
            head.headerFields[.contentLength] = String(body.count)
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .end(let trailers) where pendingBody != nil:
            let body = pendingBody ?? Data()
            pendingBody = nil
            context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: body))), promise: nil)
            context.write(wrapOutboundOut(.end(trailers)), promise: promise)
        default:
            context.write(data, promise: promise)
        }
    }

    /// The parser's error in words (NIO's cases are llhttp's errors).
    static func describe(_ error: HTTPParserError?) -> String {
        switch error {
        case .invalidMethod?: "the method is not a valid token"
        case .invalidURL?: "the request target is not a valid URL"
        case .invalidVersion?: "the version is not HTTP/1.0 or HTTP/1.1"
        case .invalidHeaderToken?: "a header name or value holds characters HTTP does not allow"
        case .invalidContentLength?: "Content-Length is not a single decimal number"
        case .unexpectedContentLength?: "Content-Length together with Transfer-Encoding"
        case .invalidChunkSize?: "a chunk size of the chunked body is not hexadecimal"
        case .invalidCharactersUsed?: "characters HTTP does not allow in the request line"
        case .invalidEOFState?: "the connection closed in the middle of the request"
        case .headerOverflow?: "the headers are larger than the server accepts"
        case .invalidConstant?: "the request line or a header line is malformed"
        case let other?: "\(other)"
        case nil: "unreadable request"
        }
    }
}
