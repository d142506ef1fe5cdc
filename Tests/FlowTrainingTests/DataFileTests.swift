import Foundation
import Testing

@testable import FlowTraining

struct DataFileTests {
    @Test func csvWithAndWithoutHeader() throws {
        let withHeader = try CSVFile.parse("a, b\n1, 2\n3.5, -4\n", file: "t.csv")
        #expect(withHeader.shape == [2, 2] && withHeader.values == [1, 2, 3.5, -4] && withHeader.columnNames == ["a", "b"])
        let plain = try CSVFile.parse("1,2,3\n\n4,5,6\n", file: "t.csv")
        #expect(plain.shape == [2, 3] && plain.columnNames == nil)
    }

    @Test(arguments: [
        ("1,2\n3\n", "t.csv: row 2 has 1 columns, expected 2"),
        ("1,2\n3,nan\n", "t.csv: row 2, column 2: value nan is not finite"),
        ("x,y\n1,2\n3,inf\n", "t.csv: row 3, column 2: value inf is not finite"),
        ("1,2\n3,abc\n", "t.csv: row 2, column 2: 'abc' is not a number"),
        ("", "t.csv: is empty: no rows"),
        ("x,y\n", "t.csv: has a header but no data rows"),
    ])
    func badCSVNamesFileRowAndColumn(text: String, message: String) {
        #expect(throws: DataError.self) { try CSVFile.parse(text, file: "t.csv") }
        do {
            _ = try CSVFile.parse(text, file: "t.csv")
        } catch {
            #expect("\(error)" == message)
        }
    }

    static func npy(descr: String, shape: String, payload: [UInt8]) -> Data {
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        data.append(contentsOf: [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: Array(header.utf8))
        data.append(contentsOf: payload)
        return data
    }

    @Test func npyFloatAndUInt8() throws {
        var payload: [UInt8] = []
        for value: Float in [1, -2, 3, 4.5, 5, 6] { withUnsafeBytes(of: value.bitPattern.littleEndian) { payload += $0 } }
        let floats = try NPYFile.parse(Self.npy(descr: "<f4", shape: "(3, 2)", payload: payload), file: "a.npy")
        #expect(floats.shape == [3, 2] && floats.values == [1, -2, 3, 4.5, 5, 6])
        let bytes = try NPYFile.parse(Self.npy(descr: "|u1", shape: "(2, 2, 2)", payload: [0, 1, 2, 3, 4, 5, 6, 255]), file: "b.npy")
        #expect(bytes.shape == [2, 2, 2] && bytes.values.last == 255)
    }

    @Test func badNPYIsRejected() throws {
        var payload: [UInt8] = []
        for value: Float in [1, .nan] { withUnsafeBytes(of: value.bitPattern.littleEndian) { payload += $0 } }
        #expect(throws: DataError(file: "n.npy", "element 1 (flat index) is not finite: nan")) {
            try NPYFile.parse(Self.npy(descr: "<f4", shape: "(2,)", payload: payload), file: "n.npy")
        }
        #expect(throws: DataError.self) { try NPYFile.parse(Self.npy(descr: "<f4", shape: "(3,)", payload: payload), file: "n.npy") }
        #expect(throws: DataError.self) { try NPYFile.parse(Data("not numpy".utf8), file: "n.npy") }
        #expect(throws: DataError.self) { try NPYFile.parse(Self.npy(descr: ">f4", shape: "(2,)", payload: payload), file: "n.npy") }
    }
}

struct ImageDataTests {
    @Test func digitsShipWithTheirDocumentedShapeAndLevels() throws {
        let digits = try Digits.load()
        #expect(digits.shape == [1797, 1, 8, 8])
        #expect(digits.values.allSatisfy { $0 >= 0 && $0 <= 16 && $0 == $0.rounded() })
        // The first image of scikit-learn's copy, row 0 of digits.csv.gz.
        #expect(Array(digits.values.prefix(8)) == [0, 0, 5, 13, 9, 1, 0, 0])
        // Every pixel as it was when the data lived in a base64 literal: their sum is a checksum.
        #expect(digits.values.reduce(0, +) == 561_718)
    }

    @Test func imagesOfTheWrongSizeOrLevelAreRejected() throws {
        let train = ArrayData(shape: [2, 1, 8, 8], values: [Float](repeating: 1, count: 128))
        let wrongSize = ArrayData(shape: [3, 9, 9], values: [Float](repeating: 1, count: 243))
        #expect(throws: DataError(file: "x.npy", "has images of shape [1, 9, 9], the model expects [1, 8, 8]")) {
            try DataLoader.checked(wrongSize, like: train, file: "x.npy", isImage: true, levels: 17)
        }
        var values = [Float](repeating: 3, count: 128)
        values[70] = 17
        #expect(throws: DataError(file: "y.npy", "image 1, element 6: value 17.0 is not an integer level in 0..<17")) {
            try DataLoader.checked(ArrayData(shape: [2, 8, 8], values: values), like: train, file: "y.npy", isImage: true, levels: 17)
        }
    }

    @Test func idxImagesParse() throws {
        var bytes: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3]
        bytes += Array(0..<12)
        let images = try IDXFile.parse(Data(bytes), file: "t.idx")
        #expect(images.shape == [2, 2, 3] && images.values.last == 11)
        #expect(throws: DataError.self) { try IDXFile.parse(Data(bytes.dropLast()), file: "t.idx") }
    }
}
