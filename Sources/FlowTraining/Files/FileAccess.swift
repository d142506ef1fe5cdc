import Foundation

/// Reading files and making folders with errors that name the path and the cause in words.
public enum FileAccess {
    /// The whole file. `what` names the file in errors ("config file", "data file").
    public static func read(_ path: String, what: String = "file") throws -> Data {
        guard !path.isEmpty else { throw FileError("cannot read the \(what)", "''", reason: "the path is empty") }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileError.system("cannot read the \(what)", path, errno: errno) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw FileError.system("cannot read the \(what)", path, errno: errno) }
        guard info.st_mode & S_IFMT != S_IFDIR else {
            throw FileError("cannot read the \(what)", path, reason: "it is a folder, not a file", hint: "give the path of a file")
        }
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileError.system("cannot read the \(what)", path, errno: errno)
            }
            if count == 0 { return data }
            data.append(contentsOf: chunk[..<count])
        }
    }

    /// Whether `path` names an existing folder.
    public static func isFolder(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    /// Creates `path` and its missing parents (like `mkdir -p`); `what` names it in errors
    /// ("run directory"). An existing file at any level is an error naming that level.
    public static func makeFolder(_ path: String, what: String) throws {
        guard !path.isEmpty else { throw FileError("cannot create the \(what)", "''", reason: "the path is empty") }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += prefix.isEmpty || prefix.hasSuffix("/") ? String(component) : "/" + component
            if isFolder(prefix) { continue }
            if mkdir(prefix, 0o777) == 0 { continue }
            let code = errno
            if code == EEXIST {
                if isFolder(prefix) { continue }  // made by someone else in the meantime
                throw FileError(
                    "cannot create the \(what)", path, reason: "\(prefix) exists and is a file, not a folder",
                    hint: "choose another path or remove that file")
            }
            throw FileError.system("cannot create the \(what)", path, errno: code, subject: prefix)
        }
    }

    /// Writes all of `bytes` to an open descriptor, retrying short writes and interruptions.
    static func writeAll(_ descriptor: Int32, _ bytes: Data, path: String, action: String) throws {
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw FileError.system(action, path, errno: errno)
                }
                offset += written
            }
        }
    }
}
