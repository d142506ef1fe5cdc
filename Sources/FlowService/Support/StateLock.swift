import Foundation

/// One server per state directory: an exclusive `flock` on `<state>/server.lock`, held for the
/// server's life and dropped by the kernel however it ends (SIGKILL included). The descriptor is
/// close-on-exec, so no child keeps the lock after the server is gone.
final class StateLock: Sendable {
    struct Held: Error, CustomStringConvertible {
        let path: String
        let holder: String
        var description: String {
            "the state directory is in use by another flowkit serve\(holder.isEmpty ? "" : " (pid \(holder))") (lock \(path)); stop it, or use another --state-dir"
        }
    }

    private let descriptor: Int32

    init(path: String) throws {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FlowServer.StartError(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            var bytes = [UInt8](repeating: 0, count: 32)
            let count = pread(descriptor, &bytes, bytes.count, 0)
            close(descriptor)
            let holder = count > 0 ? String(decoding: bytes[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : ""
            throw Held(path: path, holder: holder)
        }
        let pid = Array("\(getpid())\n".utf8)
        if ftruncate(descriptor, 0) == 0 { _ = pwrite(descriptor, pid, pid.count, 0) }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }
}
