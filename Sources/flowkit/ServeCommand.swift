import ArgumentParser
import FlowService
import Foundation

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the training API: a restart-safe job queue over HTTP.",
        discussion: """
            Jobs run as `flowkit train` child processes; their state lives in an SQLite store in \
            the state directory (or, with --database, in PostgreSQL), and each job keeps a run directory there that `flowkit eval`, \
            `logprob` and `sample --run-dir` read. The first line on standard output is \
            `listening on http://HOST:PORT`. SIGTERM or SIGINT stops gracefully: running jobs \
            checkpoint and go back to the queue. After a crash or SIGKILL, a restart on the same \
            state directory continues every job from its newest checkpoint. Listening on \
            anything but loopback needs a token (FLOWKIT_TOKEN or --token-file); with one, every \
            request but /healthz, /readyz, /metrics and /openapi.json needs \
            `Authorization: Bearer <token>`.
            """)

    @Option(name: .long, help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(name: .long, parsing: .unconditional, help: "Port (0: any free port; the bound one is printed).")
    var port = 8080

    @Option(name: .long, parsing: .unconditional, help: "State directory (store, data sets, jobs). Default: $FLOWKIT_STATE_DIR, else ./flowkit-state.")
    var stateDir: String?

    @Option(name: .long, help: "Comma-separated devices jobs may run on (cpu, opencl, opencl:N, cuda, cuda:N); the first is the default.")
    var devices = "cpu"

    @Option(name: .long, parsing: .unconditional, help: "Jobs running at once on each device.")
    var jobsPerDevice = 1

    @Option(name: .long, parsing: .unconditional, help: "Folder under which configs may name data files by path (else only uploaded data sets).")
    var dataRoot: String?

    @Option(name: .long, parsing: .unconditional, help: "File holding the API token (else $FLOWKIT_TOKEN).")
    var tokenFile: String?

    @Option(name: .long, parsing: .unconditional, help: "Largest data set upload in bytes.")
    var maxUploadBytes: Int64 = 1 << 30

    @Option(
        name: .long, parsing: .unconditional,
        help:
            "Keep jobs, data sets and events in PostgreSQL (one server at a time for now): postgresql://USER@HOST:PORT/DB, or postgresql://USER@/DB?host=/SOCKET/DIR (default: SQLite in the state directory)."
    )
    var database: String?

    @Option(name: .long, parsing: .unconditional, help: "File holding the PostgreSQL password (else $FLOWKIT_DATABASE_PASSWORD).")
    var databasePasswordFile: String?

    func validate() throws {
        try ArgumentChecks.count(port, "--port", in: 0...65535)
        try ArgumentChecks.count(jobsPerDevice, "--jobs-per-device", in: 1...64)
        guard (1...(Int64(1) << 40)).contains(maxUploadBytes) else {
            throw ValidationError("--max-upload-bytes must be in 1...\(Int64(1) << 40), got \(maxUploadBytes)")
        }
        if let stateDir { try ArgumentChecks.runDirectory(stateDir) }
        if databasePasswordFile != nil && database == nil {
            throw ValidationError("--database-password-file needs --database (the SQLite store has no password)")
        }
    }

    func run() async throws {
        var options = ServerOptions()
        let environment = ProcessInfo.processInfo.environment
        options.host = host
        options.port = port
        options.stateDirectory = stateDir ?? environment["FLOWKIT_STATE_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "flowkit-state"
        options.devices = devices.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        options.jobsPerDevice = jobsPerDevice
        options.dataRoot = dataRoot
        options.maxUploadBytes = maxUploadBytes
        if let tokenFile {
            guard let data = FileManager.default.contents(atPath: tokenFile) else {
                throw FlowKit.Failure(description: "cannot read --token-file \(tokenFile)")
            }
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else { throw FlowKit.Failure(description: "--token-file \(tokenFile) is empty") }
            options.token = token
        } else if let token = environment["FLOWKIT_TOKEN"]?.trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty {
            options.token = token
        }
        options.database = database
        if let databasePasswordFile {
            guard let data = FileManager.default.contents(atPath: databasePasswordFile) else {
                throw FlowKit.Failure(description: "cannot read --database-password-file \(databasePasswordFile)")
            }
            // One trailing newline is the file's, not the password's.
            var password = String(decoding: data, as: UTF8.self)
            if password.hasSuffix("\n") { password.removeLast() }
            guard !password.isEmpty else { throw FlowKit.Failure(description: "--database-password-file \(databasePasswordFile) is empty") }
            options.databasePassword = password
        } else if let password = environment["FLOWKIT_DATABASE_PASSWORD"], !password.isEmpty {
            options.databasePassword = password
        }
        do {
            try await FlowServer.serve(options)
        } catch let error as FlowServer.StartError {
            throw FlowKit.Failure(description: error.description)
        }
    }
}
