import Foundation
import GRDB

/// One row of the `dataset` table: an uploaded data file, stored once under the SHA-256 of its
/// bytes (its id) in `<state>/datasets/<id>.<format>`.
public struct DatasetRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "dataset"

    public enum Format: String, Codable, Sendable, CaseIterable {
        case csv, npy, idx
    }

    /// Lowercase hexadecimal SHA-256 of the file.
    public var id: String
    /// A label given by the uploader (never used as a path).
    public var name: String
    public var format: Format
    public var bytes: Int64
    /// The shape the loader read: `[rows, columns]`, `[images, height, width]`, ….
    public var shape: String
    public var createdAt: Double

    public init(id: String, name: String, format: Format, bytes: Int64, shape: [Int], createdAt: Double) {
        self.id = id
        self.name = name
        self.format = format
        self.bytes = bytes
        self.shape = "[" + shape.map(String.init).joined(separator: ",") + "]"
        self.createdAt = createdAt
    }

    public var shapeValues: [Int] {
        shape.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).split(separator: ",").compactMap { Int($0) }
    }
}
