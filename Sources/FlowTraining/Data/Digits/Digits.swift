import Foundation

/// The built-in 8×8 digits as image data `[1797, 1, 8, 8]` with 17 intensity levels (0…16).
public enum Digits {
    public static let levels = 17
    /// The quality split: images [0, 1500) train, [1500, 1797) test.
    public static let trainCount = 1500

    public static func load() throws -> ArrayData {
        // digits-8x8.u8, embedded at build time (Package.swift): one byte per pixel, row-major.
        let bytes = PackageResources.digits_8x8_u8
        guard bytes.count == 1797 * 64, bytes.allSatisfy({ $0 < levels }) else {
            throw DataError(file: "built-in digits", "embedded data is damaged")
        }
        return ArrayData(shape: [1797, 1, 8, 8], values: bytes.map(Float.init))
    }
}
