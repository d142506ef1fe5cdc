import Foundation

/// A file-system operation that failed, in words: what was attempted, on which path, why (from
/// `errno`), and what to do about it. Foundation's errors print as `NSCocoaErrorDomain Code=512`,
/// which tells a user nothing.
public struct FileError: Error, CustomStringConvertible, Equatable {
    /// What was attempted, e.g. "cannot write".
    public let action: String
    public let path: String
    public let reason: String
    public let hint: String

    public init(_ action: String, _ path: String, reason: String, hint: String = "") {
        self.action = action
        self.path = path
        self.reason = reason
        self.hint = hint
    }

    /// From a failed system call's `errno`, with a hint chosen by the cause.
    public static func system(_ action: String, _ path: String, errno code: Int32, subject: String? = nil) -> FileError {
        let (reason, hint) = Self.explain(code, subject: subject ?? path)
        return FileError(action, path, reason: reason, hint: hint)
    }

    public var description: String { "\(action) \(path): \(reason)" + (hint.isEmpty ? "" : "; \(hint)") }

    private static func explain(_ code: Int32, subject: String) -> (String, String) {
        switch code {
        case EACCES, EPERM: ("permission denied (\(subject))", "check its permissions or choose another location")
        case EROFS: ("the file system is read-only", "choose a location on a writable file system")
        case ENOENT: ("\(subject) does not exist", "check the path")
        case ENOTDIR: ("a part of the path is a file, not a folder", "check the path")
        case EISDIR: ("it is a folder, not a file", "give the path of a file")
        case ENOSPC, EDQUOT: ("no space left on the device", "free some space or choose another location")
        case ENAMETOOLONG: ("the path is too long", "choose a shorter path")
        case ELOOP: ("too many symbolic links in the path", "check the path")
        default: (String(cString: strerror(code)), "")
        }
    }
}
