import Foundation

/// Ids in URLs: `^[a-z0-9-]{1,64}$`, checked before any use, so an id is never a path, a
/// pattern or SQL.
public enum Identifier {
    public static func isValid(_ text: some StringProtocol) -> Bool {
        !text.isEmpty && text.utf8.count <= 64
            && text.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }

    /// A new job id: `job-` and 16 random hexadecimal digits.
    public static func newJob() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let hex = String(value, radix: 16)
        return "job-" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// A temporary file name.
    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(generator.next() as UInt64, radix: 16)
    }
}
