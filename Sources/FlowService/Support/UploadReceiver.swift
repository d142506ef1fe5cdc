import Crypto
import Foundation
import Hummingbird

/// Streams a request body into a file, hashing it on the way: the body is never held in
/// memory. Over `limit` bytes the file is removed and the upload refused with 413.
enum UploadReceiver {
    struct Received: Sendable {
        let bytes: Int64
        /// Lowercase hexadecimal SHA-256.
        let digest: String
    }

    static func receive(_ body: RequestBody, to url: URL, limit: Int64) async throws -> Received {
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw APIError.internalError("cannot create an upload file in the state directory (errno \(errno))") }
        var hasher = SHA256()
        var total: Int64 = 0
        do {
            defer { close(descriptor) }
            for try await buffer in body {
                total += Int64(buffer.readableBytes)
                guard total <= limit else {
                    throw APIError.tooLarge("the upload is larger than the limit of \(limit) bytes (--max-upload-bytes)")
                }
                try buffer.withUnsafeReadableBytes { bytes in
                    hasher.update(bufferPointer: bytes)
                    var written = 0
                    while written < bytes.count {
                        let count = write(descriptor, bytes.baseAddress.map { $0 + written }, bytes.count - written)
                        if count < 0 {
                            if errno == EINTR { continue }
                            throw APIError.internalError("cannot write the upload to the state directory (errno \(errno)): is the disk full?")
                        }
                        written += count
                    }
                }
            }
            guard fsync(descriptor) == 0 else { throw APIError.internalError("cannot flush the upload to disk (errno \(errno))") }
        } catch {
            unlink(url.path)
            throw error
        }
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        return Received(bytes: total, digest: digest)
    }
}
