import FlowTraining
import Foundation

/// Reads an uploaded file with the loader training will use, so a bad file is refused at upload
/// with the loader's message (naming the row, column or element), not at training time.
enum DatasetValidator {
    /// The shape of the data, or `APIError` 400 naming what is wrong.
    static func validate(_ url: URL, format: DatasetRecord.Format, name: String) async throws -> [Int] {
        do {
            return try await Blocking.run {
                let data = try Data(contentsOf: url, options: .alwaysMapped)
                switch format {
                case .csv:
                    guard let text = String(data: data, encoding: .utf8) else { throw DataError(file: name, "is not UTF-8 text") }
                    return try CSVFile.parse(text, file: name).shape
                case .npy:
                    return try NPYFile.parse(data, file: name).shape
                case .idx:
                    return try IDXFile.parse(data, file: name).shape
                }
            }
        } catch let error as DataError {
            throw APIError.invalidData("\(error)")
        } catch {
            throw APIError.invalidData("\(name): \(ErrorText.describe(error))")
        }
    }
}
