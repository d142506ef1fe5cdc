/// One route of the API, as the OpenAPI document names it (`/v1/jobs/{id}`).
public struct RouteSpec: Sendable, Hashable, CustomStringConvertible {
    public let method: String
    public let path: String

    public var description: String { "\(method) \(path)" }
}
