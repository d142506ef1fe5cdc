import Foundation

/// Errors in words, for messages a user reads. Foundation's decoding and Cocoa errors print as
/// `DecodingError.dataCorrupted(Context(codingPath: [...]…))` or `NSCocoaErrorDomain Code=512`.
public enum ErrorText {
    public static func describe(_ error: any Error) -> String {
        if let decoding = error as? DecodingError { return describe(decoding) }
        let nsError: NSError
        if let cocoa = error as? CocoaError {
            nsError = cocoa as NSError
        } else if let object = error as AnyObject as? NSError, type(of: error) is NSError.Type {
            nsError = object
        } else {
            return "\(error)"
        }
        let path = nsError.userInfo[NSFilePathErrorKey] as? String
        let underlying = (nsError.userInfo[NSUnderlyingErrorKey] as? NSError).map { " (\($0.localizedDescription))" } ?? ""
        return nsError.localizedDescription + (path.map { ": \($0)" } ?? "") + underlying
    }

    static func describe(_ error: DecodingError) -> String {
        func place(_ path: [any CodingKey]) -> String {
            path.isEmpty ? "at the top level" : "at '" + path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".") + "'"
        }
        switch error {
        case let .keyNotFound(key, context): return "\(place(context.codingPath)): the key '\(key.stringValue)' is missing"
        case let .typeMismatch(type, context): return "\(place(context.codingPath)): expected \(type): \(context.debugDescription)"
        case let .valueNotFound(type, context): return "\(place(context.codingPath)): expected \(type), found null"
        case let .dataCorrupted(context): return "\(place(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
