/// Device memory for the bytes NCCL moves, and the stream it moves them on: a CUDA device in
/// production (`CUDAStaging`), host memory in the plumbing tests (which load a stand-in library
/// that copies host bytes). Addresses and the stream are bit patterns, so a communicator holding
/// them stays Sendable.
public protocol ExchangeStaging: Sendable {
    /// `bytes` of device memory (at least 1), or nil when there is none left.
    func allocate(bytes: Int) -> UInt?
    func free(_ address: UInt)
    func write(_ source: UnsafeRawBufferPointer, to address: UInt) throws
    func read(_ address: UInt, into destination: UnsafeMutableRawBufferPointer) throws
    /// The `cudaStream_t` NCCL's calls are queued on (0: the default stream).
    var stream: UInt { get }
    /// Waits until everything queued on `stream` is done.
    func synchronize() throws
    /// Makes the device current on the calling thread (CUDA's context), before NCCL calls.
    func makeCurrent() throws
}
