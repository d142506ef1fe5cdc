import Foundation

/// A data file that cannot be used, with the file and the place in it.
public struct DataError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let message: String

    public init(file: String, _ message: String) {
        self.file = file
        self.message = message
    }

    public var description: String { "\(file): \(message)" }
}

/// A numeric array read from a data file: a shape (first axis = examples) and row-major values.
public struct ArrayData: Equatable, Sendable {
    public var shape: [Int]
    public var values: [Float]
    public var columnNames: [String]?

    public init(shape: [Int], values: [Float], columnNames: [String]? = nil) {
        self.shape = shape
        self.values = values
        self.columnNames = columnNames
    }

    public var count: Int { shape.first ?? 0 }
    public var exampleSize: Int { shape.dropFirst().reduce(1, *) }
}

extension DataError {
    /// A data file's bytes; a file that cannot be read is a `DataError` saying why.
    static func contents(of path: String) throws -> Data {
        do {
            return try FileAccess.read(path, what: "data file")
        } catch let error as FileError {
            throw DataError(file: path, "cannot read the file: \(error.reason)" + (error.hint.isEmpty ? "" : "; \(error.hint)"))
        }
    }
}
