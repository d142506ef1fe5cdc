import Foundation
import Hummingbird

/// A file streamed in pieces from one open descriptor: the trainer replaces its files by
/// renaming, so the open file stays the complete version it was when opened.
enum FileResponse {
    static func make(_ url: URL, contentType: String) -> Response? {
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            return nil
        }
        let size = Int(info.st_size)
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        let body = ResponseBody(contentLength: size) { writer in
            var remaining = size
            while remaining > 0 {
                let chunk = try handle.read(upToCount: min(remaining, 256 << 10)) ?? Data()
                guard !chunk.isEmpty else { break }
                remaining -= chunk.count
                try await writer.write(ByteBuffer(bytes: chunk))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: contentType, .contentLength: "\(size)"], body: body)
    }
}
