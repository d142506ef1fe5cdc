import FlowTraining
import Foundation

/// libFuzzer entry point: one input is one checkpoint manifest (`step-00000010.json`) and, the
/// same bytes, one `best.json`. A thrown error is a correct rejection; a trap, a crash or a
/// manifest that names a file other than the one beside it is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    if let manifest = try? CheckpointManifest.decode(data, step: 10) {
        precondition(manifest.tensorsFile == "step-00000010.safetensors", "accepted tensorsFile \(manifest.tensorsFile)")
        precondition(manifest.bytes >= 0 && manifest.metadata.dataOffset >= 0 && manifest.metadata.dataEpoch >= 0, "accepted a negative count")
    }
    if let best = try? BestManifest.decode(data) {
        precondition(best.step >= 0 && (best.tensorsBytes ?? 0) >= 0, "accepted a negative step or size")
    }
    return 0
}
