import Foundation
import Synchronization
import Testing

@testable import FlowService

/// A throwaway PostgreSQL cluster: `initdb` into a fresh folder under /tmp, `pg_ctl start` on a
/// loopback port and a socket folder of its own, password (SCRAM) logins for the user `flowkit`,
/// and `stop` to shut it down and delete the folder. initdb refuses to run as root, so under root
/// the binaries run as the `postgres` user (`runuser`), which owns the folder.
final class PostgresCluster: Sendable {
    /// Debian's postgresql-15 (`.ci/install-packages`); FLOWKIT_POSTGRES_BIN points elsewhere.
    static let binaries = ProcessInfo.processInfo.environment["FLOWKIT_POSTGRES_BIN"] ?? "/usr/lib/postgresql/15/bin"

    static var isInstalled: Bool {
        ["initdb", "pg_ctl", "createdb"].allSatisfy { FileManager.default.isExecutableFile(atPath: "\(binaries)/\($0)") }
    }

    /// Whether the tests that need a cluster run: where the binaries are; under CI always (their
    /// absence is then a failure, reported by `PostgresInstallTests`).
    static var enabled: Bool { isInstalled || isCI }
    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let root: String
    let port: Int
    let socketDirectory: String
    let user = "flowkit"
    let password = "pw-" + UUID().uuidString
    private let stopped = Mutex(false)

    private static var asRoot: Bool { getuid() == 0 }

    /// Starts a new cluster (a few seconds: initdb, then the server).
    static func start() throws -> PostgresCluster {
        guard isInstalled else { throw Failure(description: "PostgreSQL binaries not found in \(binaries) (Debian: apt-get install postgresql-15)") }
        var lastError = ""
        // A port another process took between the pick and the bind: try another.
        for _ in 0..<5 {
            let port = Int.random(in: 20_000...60_000)
            do {
                return try PostgresCluster(port: port)
            } catch let error as Failure {
                lastError = error.description
                guard error.description.contains("could not bind") || error.description.contains("already in use") else { throw error }
            }
        }
        throw Failure(description: "no free port for PostgreSQL: \(lastError)")
    }

    private init(port: Int) throws {
        self.port = port
        root = "/tmp/flowkit-pg-\(UUID().uuidString.prefix(12))"
        socketDirectory = root + "/socket"
        let manager = FileManager.default
        try manager.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true)
        try Data(password.utf8).write(to: URL(fileURLWithPath: root + "/password"))
        if Self.asRoot { try Self.run(["/bin/chown", "-R", "postgres:postgres", root]) }
        try Self.run(
            [
                "\(Self.binaries)/initdb", "-D", root + "/data", "-U", user, "--pwfile=\(root)/password", "--auth=scram-sha-256",
                "-E", "UTF8", "--no-sync", "--no-instructions",
            ], asPostgres: true)
        do {
            try Self.run(
                [
                    "\(Self.binaries)/pg_ctl", "-D", root + "/data", "-l", root + "/server.log", "-w", "-t", "60", "-o",
                    "-p \(port) -k \(socketDirectory) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100",
                    "start",
                ], asPostgres: true)
        } catch let error as Failure {
            let log = (try? String(contentsOfFile: root + "/server.log", encoding: .utf8)) ?? ""
            try? manager.removeItem(atPath: root)
            throw Failure(description: "\(error.description)\nserver log: \(log)")
        }
    }

    /// Stops the server (fast: open connections are ended) and deletes the cluster.
    func stop() {
        guard
            !stopped.withLock({ was in
                defer { was = true }
                return was
            })
        else { return }
        _ = try? Self.run(["\(Self.binaries)/pg_ctl", "-D", root + "/data", "-m", "fast", "-w", "stop"], asPostgres: true)
        try? FileManager.default.removeItem(atPath: root)
    }

    deinit { stop() }

    /// A new empty database on the cluster, so that each test starts from nothing.
    func createDatabase(_ name: String = "t" + UUID().uuidString.prefix(8).lowercased()) throws -> String {
        try Self.run(
            ["\(Self.binaries)/createdb", "-h", socketDirectory, "-p", "\(port)", "-U", user, name], asPostgres: true,
            environment: ["PGPASSWORD": password])
        return name
    }

    /// The URL of a database over TCP on loopback.
    func url(_ database: String, user: String? = nil) -> String {
        "postgresql://\(user ?? self.user)@127.0.0.1:\(port)/\(database)?sslmode=disable"
    }

    /// The URL of a database over the unix socket.
    func socketURL(_ database: String) -> String {
        "postgresql://\(user)@/\(database)?host=\(socketDirectory)&port=\(port)"
    }

    func location(_ database: String, password: String? = nil) throws -> PostgresLocation {
        try PostgresLocation(url: url(database), password: password ?? self.password)
    }

    /// One cluster for the whole test run, started on first use and stopped when the test process
    /// exits (a cluster per test would spend most of the run in initdb).
    static let shared: Result<PostgresCluster, Failure> = {
        let started: Result<PostgresCluster, Failure>
        do {
            started = .success(try PostgresCluster.start())
        } catch {
            started = .failure(error as? Failure ?? Failure(description: "\(error)"))
        }
        atexit { try? PostgresCluster.shared.get().stop() }
        return started
    }()

    /// A store on a new database of this cluster.
    func store(_ database: String? = nil) async throws -> PostgresJobStore {
        let name = try database ?? createDatabase()
        return try await PostgresJobStore.open(try location(name), logger: .init(label: "test"))
    }

    /// Runs a command to its end; its output (both streams) is the error's text when it fails.
    /// posix_spawn and waitpid rather than Foundation's Process: `pg_ctl start` leaves a server
    /// behind that inherits Process's descriptors, and Process then never sees pg_ctl exit.
    @discardableResult
    private static func run(_ command: [String], asPostgres: Bool = false, environment: [String: String] = [:]) throws -> String {
        var variables = ProcessInfo.processInfo.environment
        for (key, value) in environment { variables[key] = value }
        // `env -C /tmp`: the postgres user may not enter the test's working directory.
        var arguments = ["/usr/bin/env", "-C", "/tmp"] + environment.map { "\($0.key)=\($0.value)" } + command
        if asPostgres && asRoot { arguments = ["/sbin/runuser", "-u", "postgres", "--"] + arguments }
        let log = "/tmp/flowkit-pg-command-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, argv, envp)
        guard spawned == 0 else { throw Failure(description: "cannot start \(arguments[0]): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { throw Failure(description: "waitpid for \(command[0]) failed: errno \(errno)") }
        }
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        // WIFEXITED and WEXITSTATUS, which Swift does not import.
        let exited = status & 0x7f == 0
        let code = (status >> 8) & 0xff
        guard exited && code == 0 else {
            throw Failure(description: "\(command.joined(separator: " ")) failed (status \(status)): \(text)")
        }
        return text
    }
}
