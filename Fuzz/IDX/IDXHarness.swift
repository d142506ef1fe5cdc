import FlowTraining
import Foundation

/// libFuzzer entry point: one input is one IDX file. A thrown `DataError` is a correct
/// rejection; a trap, a crash, a hang or an out-of-memory kill is a bug in `IDXFile`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    guard let array = try? IDXFile.parse(data, file: "fuzz.idx") else { return 0 }
    // What a caller relies on: the values fill the shape exactly (the fuzzer reports a trap).
    precondition(array.values.count == array.shape.reduce(1, *), "shape \(array.shape) with \(array.values.count) values")
    return 0
}
