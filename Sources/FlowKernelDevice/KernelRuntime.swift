import FlowCore

/// What a kernel backend (OpenCL, CUDA) provides to `KernelDevice`, which maps every `Device` op
/// onto kernel launches once for all of them: one device's memory, its compiler, and launches on
/// its one in-order queue (an OpenCL command queue, a CUDA stream).
///
/// Buffers are raw addresses (`UInt`): a `cl_mem` handle's bits or a `CUdeviceptr`. That is the
/// form `BlockCache` keeps them in, and what a kernel argument carries.
///
/// `KernelDevice` calls every requirement except `free` while holding its lock, so a runtime
/// needs no locking of its own; `free` comes from whichever thread dropped a buffer's last
/// reference (through the allocator's cache) and must be safe on any thread. Nothing here waits
/// for the device except `read`, `write` and `synchronize`.
///
/// Public because `KernelDevice`, whose instances (`OpenCLDevice`, `CUDADevice`) are public, is
/// generic over it; applications never call it.
public protocol KernelRuntime: AnyObject, Sendable {
    /// A built program (one kernel file) with the kernels looked up in it so far.
    associatedtype Program

    /// The first field of the on-disk program cache's key (`flowkit-cl-1`, `flowkit-cuda-1`): the
    /// binary format, bumped when it changes so that old entries are never loaded.
    static var binaryFormat: String { get }

    var info: DeviceInfo { get }
    /// The most work-items (threads) a work-group (block) may have; `Tuning` stays within it.
    var maxWorkGroupSize: Int { get }
    /// What besides the device name, the options and the source decides the compiled binary (the
    /// driver's version, and for CUDA the compiler's): part of the program cache's key.
    var compilerIdentity: String { get }
    /// The compiler options of every kernel file: the tuning values (`-D…`, as `Tuning.defines`
    /// gives them) and whatever the dialect needs besides.
    func buildOptions(defines: [String]) -> [String]

    /// A fresh block of `bytes` bytes, or nil when the device has no memory left for it.
    func allocate(bytes: Int) -> UInt?
    /// Returns a block to the device for good (called from any thread).
    func free(_ address: UInt)
    /// Copies host memory to the start of a block; returns when the host memory may be reused.
    func write(_ source: UnsafeRawBufferPointer, to address: UInt) throws
    /// Copies the start of a block into host memory, after the queued work that writes it.
    func read(_ address: UInt, into destination: UnsafeMutableRawBufferPointer) throws
    /// Queues a device-side copy of `bytes` bytes between blocks (offsets in bytes).
    func copy(from source: UInt, offset sourceOffset: Int, to destination: UInt, offset destinationOffset: Int, bytes: Int) throws
    /// Waits until everything queued has finished.
    func synchronize() throws

    /// Compiles a kernel file's full source; throws `FlowError.kernelBuild` with the compiler's log
    /// when it does not compile. Also returns the binary to cache, when the runtime can give one.
    func compile(name: String, source: String, options: [String]) throws -> (program: Program, binary: [UInt8]?)
    /// A program from a binary that `compile` returned earlier (from the on-disk cache).
    func load(binary: [UInt8], options: [String]) throws -> Program
    /// The names of a program's kernels, as the compiler found them.
    func kernelNames(in program: Program) throws -> [String]
    /// Queues `kernel` of `program` over `global` work-items (already multiples of `local`) in
    /// work-groups of `local`, with `arguments` in the order of its parameter list.
    func launch(_ kernel: String, in program: Program, global: [Int], local: [Int], arguments: [LaunchArgument]) throws
}

/// One kernel argument as a runtime passes it: a buffer's address or a 32-bit scalar.
public enum LaunchArgument: Sendable {
    case buffer(UInt)
    case int(Int32)
    case float(Float)
    case uint(UInt32)
}
