import Foundation
import Synchronization

/// Every registered route, filled as routes are added: the error middleware answers 405 (with
/// `Allow`) for a path that exists under other methods, and tests compare it with the OpenAPI
/// document.
public final class RouteTable: Sendable {
    private let entries = Mutex<[RouteSpec]>([])

    public init() {}

    public var routes: [RouteSpec] { entries.withLock { $0 } }

    func add(_ route: RouteSpec) {
        entries.withLock { $0.append(route) }
    }

    /// Methods registered for paths whose template matches `path` (`{x}` matches one segment).
    func methods(matching path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        return routes.filter { route in
            let template = route.path.split(separator: "/", omittingEmptySubsequences: true)
            guard template.count == segments.count else { return false }
            return zip(template, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }.map(\.method)
    }
}
