import Foundation

/// Starts a `flowkit train` child and waits for it on a thread of its own. The thread that
/// spawns a child is the one that waits for it, so it lives exactly as long as the child: the
/// child's `PR_SET_PDEATHSIG` (set by `flowkit train` when `FLOWKIT_PARENT_PID` is given) fires
/// when the server dies, never because a pool thread that happened to spawn it went away.
///
/// The child gets its own process group (a Ctrl-C at the server's terminal goes to the server,
/// which then stops its children itself), default signal dispositions and an empty signal mask,
/// `/dev/null` as standard input, its standard output and error appended to the given files, and
/// no other descriptor of the server (no listening socket, no store, no lock).
struct ChildProcess: Sendable {
    struct Launch: Sendable {
        var executable: String
        /// argv[0].
        var name = "flowkit"
        var arguments: [String]
        var environment: [String: String]
        var standardOutput: String
        var standardError: String
    }

    struct Started: Sendable {
        let pid: Int32
        let startTime: UInt64
    }

    struct SpawnError: Error, CustomStringConvertible {
        let code: Int32
        var description: String { "cannot start the trainer: \(String(cString: strerror(code)))" }
    }

    /// Starts the child; `onExit` is called once, on the waiting thread, when it has ended.
    static func start(_ launch: Launch, onExit: @escaping @Sendable (Int32, ExitStatus) -> Void) async throws -> Started {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Started, any Error>) in
            let thread = Thread {
                let pid: Int32
                do {
                    pid = try spawn(launch)
                } catch {
                    continuation.resume(throwing: error)
                    return
                }
                // The child cannot be reaped before this read: only this thread waits for it.
                let startTime = ProcessStat(pid: pid)?.startTime ?? 0
                continuation.resume(returning: Started(pid: pid, startTime: startTime))
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 {
                    if errno != EINTR {
                        status = 0x7F  // unknown: reported as killed by "signal 127"
                        break
                    }
                }
                onExit(pid, ExitStatus(waitStatus: status))
            }
            thread.name = "flowkit-child"
            thread.start()
        }
    }

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// Descriptors 3 and up are closed in the child: glibc's `addclosefrom_np` (2.34 and later;
    /// not visible to Swift, so taken by its address), else each descriptor open now.
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        if let program = dlopen(nil, RTLD_NOW), let symbol = dlsym(program, "posix_spawn_file_actions_addclosefrom_np") {
            let closeFrom = unsafeBitCast(symbol, to: CloseFrom.self)
            if closeFrom(&actions, 3) == 0 { return }
        }
        // Closing one that is no longer open is not an error for posix_spawn.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
            if let descriptor = Int32(name), descriptor > 2 { posix_spawn_file_actions_addclose(&actions, descriptor) }
        }
    }

    private static func spawn(_ launch: Launch) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, launch.standardOutput, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, launch.standardError, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        closeInheritedDescriptors(&actions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([launch.name] + launch.arguments).map { strdup($0) }
        let envp = launch.environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") }
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: Int32 = 0
        let code = posix_spawn(&pid, launch.executable, &actions, &attributes, argv + [nil], envp + [nil])
        guard code == 0 else { throw SpawnError(code: code) }
        return pid
    }
}
