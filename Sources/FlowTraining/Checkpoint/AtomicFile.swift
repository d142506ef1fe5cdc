import CZlib
import Foundation

/// Crash-safe file writes: the data goes to a temporary file in the same folder, is flushed to
/// disk (fsync), and is renamed over the target, so a reader — or a run resumed after a power
/// cut or SIGKILL — sees the old file or the new one, never a half-written one. Failures are
/// `FileError`s naming the target and the cause; the temporary file never survives one.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        let path = url.path
        let action = "cannot write"
        guard !url.lastPathComponent.isEmpty, !path.hasSuffix("/") else {
            throw FileError(action, path, reason: "the path names a folder, not a file", hint: "give the path of a file")
        }
        if FileAccess.isFolder(path) {
            throw FileError(action, path, reason: "it is a folder, not a file", hint: "give the path of a file")
        }
        let folder = url.deletingLastPathComponent().path
        var info = stat()
        if stat(folder, &info) != 0 {
            throw FileError.system(action, path, errno: errno, subject: "the folder \(folder)")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw FileError(action, path, reason: "\(folder) is a file, not a folder", hint: "check the path")
        }
        // pid and a random tag: two writers of one target (processes or threads) never share a temporary.
        let temporary = "\(folder)/.\(url.lastPathComponent).\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else {
            throw FileError.system(action, path, errno: errno, subject: "cannot create a file in \(folder)")
        }
        do {
            defer { close(descriptor) }
            try FileAccess.writeAll(descriptor, data, path: path, action: action)
            guard fsync(descriptor) == 0 else { throw FileError.system(action, path, errno: errno) }
        } catch {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw FileError.system(action, path, errno: code)
        }
        syncDirectory(folder)
    }

    /// Makes the rename itself durable.
    private static func syncDirectory(_ folder: String) {
        let descriptor = open(folder, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}

/// CRC-32 (IEEE 802.3, as PNG and gzip use), for checkpoint integrity checks: zlib's `crc32`,
/// which is the same function as the table-driven loop this used to be, only faster.
public enum CRC32 {
    public static func checksum<S: Sequence>(_ bytes: S, initial: UInt32 = 0) -> UInt32 where S.Element == UInt8 {
        if let crc = bytes.withContiguousStorageIfAvailable({ update(initial, $0) }) { return crc }
        return Array(bytes).withUnsafeBufferPointer { update(initial, $0) }
    }

    /// zlib takes a 32-bit length, so longer buffers go in pieces (the CRC chains exactly).
    private static func update(_ initial: UInt32, _ buffer: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var crc = uLong(initial)
        guard let base = buffer.baseAddress else { return initial }
        var offset = 0
        while offset < buffer.count {
            let length = min(buffer.count - offset, Int(UInt32.max >> 1))
            crc = crc32(crc, base + offset, uInt(length))
            offset += length
        }
        return UInt32(truncatingIfNeeded: crc)
    }
}
