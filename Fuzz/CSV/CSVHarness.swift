import FlowTraining
import Foundation

/// libFuzzer entry point: one input is one CSV file, decoded as `CSVFile.read` does. A thrown
/// `DataError` is a correct rejection; a trap, a crash or a hang is a bug in `CSVFile`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    guard let text = String(data: data, encoding: .utf8), let table = try? CSVFile.parse(text, file: "fuzz.csv") else { return 0 }
    // What a caller relies on: a rectangular table of finite values (the fuzzer reports a trap).
    precondition(table.shape.count == 2 && table.values.count == table.shape[0] * table.shape[1], "shape \(table.shape)")
    precondition(table.values.allSatisfy(\.isFinite), "a non-finite value was accepted")
    return 0
}
