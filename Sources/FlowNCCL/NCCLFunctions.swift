import FlowKernelDevice

/// The NCCL entry points flowkit calls, resolved from an opened `libnccl.so.2`. The types are the
/// C signatures of `nccl.h` (NCCL 2.x): `ncclResult_t` and `ncclDataType_t` are C enums (`Int32`),
/// `ncclComm_t` and `cudaStream_t` opaque pointers, `size_t` is `Int`. ncclCommInitRank takes the
/// unique id by value, so it is kept as an address and called through CNCCLShim. A mistake here is
/// undefined behaviour that no compiler catches, so the table holds only what the exchange needs.
struct NCCLFunctions {
    typealias GetVersion = @convention(c) (UnsafeMutablePointer<Int32>?) -> Int32
    typealias GetUniqueId = @convention(c) (UnsafeMutableRawPointer?) -> Int32
    typealias CommDestroy = @convention(c) (OpaquePointer?) -> Int32
    typealias GetErrorString = @convention(c) (Int32) -> UnsafePointer<CChar>?
    typealias AllGather = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int, Int32, OpaquePointer?, OpaquePointer?) -> Int32
    typealias Broadcast = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int, Int32, Int32, OpaquePointer?, OpaquePointer?) -> Int32
    typealias Send = @convention(c) (UnsafeRawPointer?, Int, Int32, Int32, OpaquePointer?, OpaquePointer?) -> Int32
    typealias Recv = @convention(c) (UnsafeMutableRawPointer?, Int, Int32, Int32, OpaquePointer?, OpaquePointer?) -> Int32
    typealias Group = @convention(c) () -> Int32

    /// `ncclUint8`: the exchange moves bytes; NCCL never adds anything.
    static let bytes: Int32 = 1

    let getVersion: GetVersion
    let getUniqueId: GetUniqueId
    /// ncclCommInitRank's address, for `flowkit_nccl_comm_init_rank`.
    let commInitRank: UnsafeMutableRawPointer
    let commDestroy: CommDestroy
    let getErrorString: GetErrorString
    let allGather: AllGather
    let broadcast: Broadcast
    let send: Send
    let recv: Recv
    let groupStart: Group
    let groupEnd: Group

    /// Resolves every entry point, or throws naming the first one the library lacks.
    init(_ library: DynamicLibrary) throws {
        getVersion = try library.function("ncclGetVersion", as: GetVersion.self)
        getUniqueId = try library.function("ncclGetUniqueId", as: GetUniqueId.self)
        commInitRank = try library.function("ncclCommInitRank", as: UnsafeMutableRawPointer.self)
        commDestroy = try library.function("ncclCommDestroy", as: CommDestroy.self)
        getErrorString = try library.function("ncclGetErrorString", as: GetErrorString.self)
        allGather = try library.function("ncclAllGather", as: AllGather.self)
        broadcast = try library.function("ncclBroadcast", as: Broadcast.self)
        send = try library.function("ncclSend", as: Send.self)
        recv = try library.function("ncclRecv", as: Recv.self)
        groupStart = try library.function("ncclGroupStart", as: Group.self)
        groupEnd = try library.function("ncclGroupEnd", as: Group.self)
    }
}
