import Foundation

/// How `flowkit serve` was asked to run.
public struct ServerOptions: Sendable {
    public var host = "127.0.0.1"
    /// 0: any free port (the bound one is printed).
    public var port = 8080
    public var stateDirectory = "flowkit-state"
    /// Device names (`cpu`, `opencl`, `opencl:N`) jobs may run on; the first is the default.
    public var devices = ["cpu"]
    public var jobsPerDevice = 1
    /// Data files named by path in a config must lie under this folder; without it only
    /// uploaded data sets (`dataset:<id>`) can be used.
    public var dataRoot: String?
    /// With a token, every request but the public probes needs `Authorization: Bearer <token>`.
    public var token: String?
    public var maxUploadBytes: Int64 = 1 << 30
    public var maxJSONBytes = 1 << 20
    /// The `flowkit` binary children run (`/proc/self/exe`: exactly the running server's).
    public var executable = "/proc/self/exe"
    /// How long a child asked to stop may take to write its checkpoint before it is killed.
    public var stopGraceSeconds = 120
    /// A PostgreSQL store (`postgresql://USER@HOST:PORT/DB`, PostgresLocation); nil: SQLite in
    /// the state directory.
    public var database: String?
    /// The PostgreSQL password: from FLOWKIT_DATABASE_PASSWORD or a file, never the command line.
    public var databasePassword: String?

    public init() {}

    /// Whether `host` only accepts connections from this machine.
    public var isLoopback: Bool {
        let name = host.lowercased()
        return name == "localhost" || name == "::1" || name == "[::1]" || name.hasPrefix("127.")
    }
}
