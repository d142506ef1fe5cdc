import FlowTraining
import Foundation

/// libFuzzer entry point: one input is one safetensors file. A thrown `FormatError` is a correct
/// rejection; a trap, a crash, a hang or an out-of-memory kill is a bug in `SafeTensors.decode`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    guard let (tensors, metadata) = try? SafeTensors.decode(data) else { return 0 }
    for (name, entry) in tensors {
        precondition(entry.values.count == entry.shape.reduce(1, *), "tensor \(name): shape \(entry.shape) with \(entry.values.count) values")
    }
    // Whatever decodes must survive flowkit's own writer and read back bit for bit.
    guard let encoded = try? SafeTensors.encode(tensors, metadata: metadata), let (again, metadataAgain) = try? SafeTensors.decode(encoded) else {
        preconditionFailure("a decoded file does not re-encode and decode")
    }
    precondition(metadataAgain == metadata, "metadata changed in a round trip")
    precondition(again.keys.sorted() == tensors.keys.sorted(), "tensor names changed in a round trip")
    for (name, entry) in tensors {
        let other = again[name]
        precondition(other?.shape == entry.shape && other?.values.map(\.bitPattern) == entry.values.map(\.bitPattern), "tensor \(name) changed in a round trip")
    }
    return 0
}
