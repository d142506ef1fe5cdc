import FlowRuntime
import Foundation

/// Tabular CSV: one example per row, numeric columns, an optional header row (detected when the
/// first row is not all numbers). Every value must be finite and every row as wide as the first.
public enum CSVFile {
    public static func read(_ path: String) throws -> ArrayData {
        let data = try DataError.contents(of: path)
        guard let text = String(data: data, encoding: .utf8) else { throw DataError(file: path, "is not UTF-8 text") }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws -> ArrayData {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            .enumerated().map { (number: $0.offset + 1, text: $0.element.trimmingCharacters(in: .whitespaces)) }
            .filter { !$0.text.isEmpty }
        guard let first = lines.first else { throw DataError(file: file, "is empty: no rows") }
        var names: [String]?
        let firstFields = fields(first.text)
        if firstFields.contains(where: { Float($0) == nil && !isNonFiniteLiteral($0) }) {
            names = firstFields
            lines.removeFirst()
        }
        guard !lines.isEmpty else { throw DataError(file: file, "has a header but no data rows") }
        let width = names?.count ?? firstFields.count
        var values: [Float] = []
        // The width comes from the first row (a header can name a million columns above short
        // rows), so reserve no more than the text can hold: each value takes at least a byte.
        let (cells, overflow) = lines.count.multipliedReportingOverflow(by: width)
        values.reserveCapacity(overflow ? text.utf8.count : min(cells, text.utf8.count))
        for line in lines {
            let row = fields(line.text)
            guard row.count == width else {
                throw DataError(file: file, "row \(line.number) has \(row.count) columns, expected \(width)")
            }
            for (column, field) in row.enumerated() {
                guard let value = Float(field) else {
                    throw DataError(file: file, "row \(line.number), column \(column + 1): '\(field)' is not a number")
                }
                guard value.isFinite else {
                    throw DataError(file: file, "row \(line.number), column \(column + 1): value \(field) is not finite")
                }
                values.append(value)
            }
        }
        // Every row has been checked against the width, so this shape holds exactly the values
        // read; it goes through CheckedShape like every other parser's.
        do {
            let shape = try CheckedShape([lines.count, width])
            return ArrayData(shape: shape.dimensions, values: values, columnNames: names)
        } catch {
            throw DataError(file: file, "\(error.description)")
        }
    }

    private static func fields(_ line: String) -> [String] {
        line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    }

    private static func isNonFiniteLiteral(_ field: String) -> Bool {
        ["nan", "inf", "-inf", "+inf", "infinity", "-infinity"].contains(field.lowercased())
    }
}
