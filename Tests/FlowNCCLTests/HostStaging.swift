import FlowNCCL
import Foundation

/// Host memory standing in for a device's, for the stand-in NCCL (which copies host bytes).
struct HostStaging: ExchangeStaging {
    func allocate(bytes: Int) -> UInt? { malloc(bytes).map { UInt(bitPattern: $0) } }
    func free(_ address: UInt) { Foundation.free(UnsafeMutableRawPointer(bitPattern: address)) }
    func write(_ source: UnsafeRawBufferPointer, to address: UInt) throws {
        guard let base = source.baseAddress, let target = UnsafeMutableRawPointer(bitPattern: address) else { return }
        target.copyMemory(from: base, byteCount: source.count)
    }
    func read(_ address: UInt, into destination: UnsafeMutableRawBufferPointer) throws {
        guard let base = destination.baseAddress, let source = UnsafeRawPointer(bitPattern: address) else { return }
        base.copyMemory(from: source, byteCount: destination.count)
    }
    var stream: UInt { 0 }
    func synchronize() throws {}
    func makeCurrent() throws {}
}
