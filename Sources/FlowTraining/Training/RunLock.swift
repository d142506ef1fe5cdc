import Foundation

/// The exclusive lock of a run directory, held by the one `flowkit train` working on it for as
/// long as it runs: `flock` on `.lock` in the directory, which also holds the holder's pid for
/// the error a second process gets. The kernel drops the lock when the holder exits however it
/// exits (SIGKILL included), so a stale lock file never blocks a resume. Readers (`eval`,
/// `logprob`, `sample`) take no lock: every file they read is replaced atomically.
public final class RunLock: Sendable {
    public struct Held: Error, CustomStringConvertible {
        public let directory: String
        public let holder: Int32?

        public var description: String {
            "run directory \(directory) is in use by another flowkit process"
                + (holder.map { " (pid \($0))" } ?? "") + "; wait for it to finish or stop it, then try again"
        }
    }

    private let descriptor: Int32
    public let path: String
    private let directory: String
    /// Whether taking the lock created the run directory (undone by `abandon()`).
    private let createdDirectory: Bool

    /// Takes the lock, creating the directory if needed; fails at once when another process holds it.
    public init(_ run: RunDirectory) throws {
        directory = run.url.path
        createdDirectory = !FileAccess.isFolder(directory)
        try FileAccess.makeFolder(directory, what: "run directory")
        path = run.lockFile.path
        while true {
            let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o666)
            guard descriptor >= 0 else { throw FileError.system("cannot lock the run directory: cannot open", path, errno: errno) }
            if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
                let code = errno
                let holder = Self.holder(descriptor)
                close(descriptor)
                if code == EWOULDBLOCK { throw Held(directory: run.url.path, holder: holder) }
                throw FileError.system("cannot lock", path, errno: code)
            }
            // A holder that removed the file after we opened it locked another inode: start over.
            var opened = stat()
            var current = stat()
            guard fstat(descriptor, &opened) == 0, stat(path, &current) == 0, opened.st_ino == current.st_ino, opened.st_dev == current.st_dev else {
                close(descriptor)
                continue
            }
            self.descriptor = descriptor
            break
        }
        let pid = Data("\(getpid())\n".utf8)
        if ftruncate(descriptor, 0) == 0 { try? FileAccess.writeAll(descriptor, pid, path: path, action: "cannot write the pid to") }
    }

    /// After a start that failed before writing anything: removes the directory again if taking
    /// the lock created it, so a failed start leaves nothing behind.
    public func abandon() {
        guard createdDirectory else { return }
        unlink(path)
        rmdir(directory)
    }

    private static func holder(_ descriptor: Int32) -> Int32? {
        var bytes = [UInt8](repeating: 0, count: 32)
        let count = pread(descriptor, &bytes, bytes.count, 0)
        guard count > 0 else { return nil }
        return Int32(String(decoding: bytes[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    deinit {
        // Closing the descriptor releases the lock; the file stays (removing it would race with a
        // process that has just opened it).
        close(descriptor)
    }
}
