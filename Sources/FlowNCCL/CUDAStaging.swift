import FlowCUDA

/// A CUDA device's memory and stream as the NCCL exchange's staging: the bytes go up to the
/// device, NCCL moves them between the ranks' devices on the runtime's own stream, and they come
/// back, so the in-order sum stays in flowkit (`GradientExchange`) and its bits stay the same.
public struct CUDAStaging: ExchangeStaging {
    let runtime: CUDARuntime

    public init(_ runtime: CUDARuntime) { self.runtime = runtime }

    public func allocate(bytes: Int) -> UInt? { runtime.allocate(bytes: bytes) }
    public func free(_ address: UInt) { runtime.free(address) }
    public func write(_ source: UnsafeRawBufferPointer, to address: UInt) throws { try runtime.write(source, to: address) }
    public func read(_ address: UInt, into destination: UnsafeMutableRawBufferPointer) throws { try runtime.read(address, into: destination) }
    public var stream: UInt { runtime.streamHandle }
    public func synchronize() throws { try runtime.synchronize() }
    public func makeCurrent() throws { try runtime.makeCurrent() }
}
