import HTTPTypes
import Hummingbird

/// Adds routes to the router and records each in the route table (for 405 answers and the
/// OpenAPI check). Paths are written as in the OpenAPI document: `/v1/jobs/{id}`.
struct RouteRegistrar {
    let router: Router<BasicRequestContext>
    let table: RouteTable

    func on(
        _ method: HTTPRequest.Method, _ path: String,
        _ handler: @escaping @Sendable (Request, BasicRequestContext) async throws -> Response
    ) {
        table.add(RouteSpec(method: method.rawValue, path: path))
        router.on(RouterPath(stringLiteral: path), method: method, use: handler)
    }
}
