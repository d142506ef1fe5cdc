import Foundation

/// Where a PostgreSQL store is, from `--database postgresql://USER@HOST:PORT/DB` (or a unix
/// socket: `postgresql://USER@/DB?host=/run/postgresql`, or the host percent-encoded,
/// `postgresql://USER@%2Frun%2Fpostgresql/DB`), as libpq writes it. The password never comes
/// from the URL, which shows in the process list: it comes from `FLOWKIT_DATABASE_PASSWORD` or a
/// file (`--database-password-file`).
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public enum Endpoint: Sendable, Equatable {
        case tcp(host: String, port: Int)
        /// The socket file itself: `<dir>/.s.PGSQL.<port>`.
        case socket(path: String)
    }

    /// libpq's `sslmode`, the three values that mean something without certificates of our own.
    public enum TLSMode: String, Sendable, Equatable, CaseIterable {
        case disable, prefer, require
    }

    public var endpoint: Endpoint
    public var user: String
    public var database: String
    public var tls: TLSMode
    public var password: String?

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// Whether `text` names a PostgreSQL store (its scheme), valid or not.
    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
    }

    public init(url text: String, password: String?) throws {
        func invalid(_ why: String) -> Invalid {
            Invalid(description: "--database \(Self.redacted(text)): \(why); expected postgresql://USER@HOST:PORT/DB or postgresql://USER@/DB?host=/SOCKET/DIR")
        }
        guard Self.isPostgres(text) else { throw invalid("the scheme must be postgresql:// (SQLite, the default, needs no --database)") }
        guard let components = URLComponents(string: text) else { throw invalid("not a URL") }
        if components.password != nil {
            throw Invalid(
                description: "--database: the URL holds a password, which would show in the process list; "
                    + "set FLOWKIT_DATABASE_PASSWORD or pass --database-password-file FILE instead")
        }
        guard let user = components.user, !user.isEmpty else { throw invalid("no user (postgresql://USER@…)") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw invalid("no database name after the host (…/DB)") }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] {
            guard ["host", "port", "sslmode"].contains(item.name) else {
                throw invalid("unknown parameter \(item.name) (known: host, port, sslmode)")
            }
            guard let value = item.value, !value.isEmpty else { throw invalid("parameter \(item.name) has no value") }
            query[item.name] = value
        }
        var port = 5432
        if let given = components.port ?? query["port"].flatMap({ Int($0) }) {
            port = given
        } else if let text = query["port"] {
            throw invalid("port \(text) is not a number")
        }
        guard (1...65535).contains(port) else { throw invalid("port \(port) is not in 1...65535") }
        let host = query["host"] ?? components.percentEncodedHost.flatMap { $0.removingPercentEncoding } ?? ""
        if host.hasPrefix("/") {
            endpoint = .socket(path: (host.hasSuffix("/") ? String(host.dropLast()) : host) + "/.s.PGSQL.\(port)")
        } else if host.isEmpty {
            throw invalid("no host (…@HOST:PORT/DB, or ?host=/SOCKET/DIR for a unix socket)")
        } else {
            // URLComponents keeps the brackets of an IPv6 address.
            endpoint = .tcp(host: host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port: port)
        }
        if let mode = query["sslmode"] {
            guard let parsed = TLSMode(rawValue: mode) else {
                throw invalid("sslmode \(mode) is not one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            tls = parsed
        } else {
            tls = .prefer
        }
        self.user = user
        self.database = database
        self.password = password
    }

    /// The store as messages name it: never the password.
    public var description: String {
        switch endpoint {
        case let .tcp(host, port):
            let shown = host.contains(":") ? "[\(host)]" : host
            return "postgresql://\(user)@\(shown):\(port)/\(database)"
        case let .socket(path): return "postgresql://\(user)@/\(database) (socket \(path))"
        }
    }

    /// `text` with anything between `://` and `@` past a colon hidden, for error messages.
    static func redacted(_ text: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].firstIndex(of: "@"),
            let colon = text[scheme.upperBound..<at].firstIndex(of: ":")
        else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }
}
