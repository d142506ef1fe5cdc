import FlowTraining
import Foundation

/// libFuzzer entry point: one input is one JSON config (`StrictJSON` and every key's checks).
/// A thrown `ConfigError` is a correct rejection; a trap, a crash or a hang is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    guard let config = try? TrainingConfig.parse(data) else { return 0 }
    // The run directory keeps the resolved config and reads it back with the same checks, so
    // every accepted config must survive that round trip unchanged.
    guard let encoded = try? config.encoded(), let again = try? TrainingConfig.parse(encoded) else {
        preconditionFailure("an accepted config does not read back from its resolved form")
    }
    precondition(again == config, "the resolved config reads back differently")
    return 0
}
