import CNCCLShim
import FlowCUDA
import FlowKernelDevice
import Foundation

/// NCCL opened at run time (never linked, so the binary builds and runs where it is absent) and
/// its entry points. `flowkit train` under MPI on CUDA devices opens it; the CPU and OpenCL paths
/// never do.
public final class NCCLLibrary: @unchecked Sendable {
    // @unchecked: the entry points are C function addresses, immutable, and NCCL's calls may be
    // made from any thread.
    let api: NCCLFunctions
    /// The path it was opened by and its version as NCCL reports it (`NCCL_VERSION_CODE`, e.g. 22703).
    public let path: String
    public let version: Int
    private let library: DynamicLibrary

    /// Opens the first candidate that opens (`NCCLLocation`), or throws naming every attempt.
    public convenience init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        try self.init(candidates: NCCLLocation.candidates(environment: environment, sitePackages: PythonSitePackages.folders()))
    }

    public init(candidates: [String]) throws {
        library = try DynamicLibrary.open(NCCLLocation.soname, candidates: candidates)
        api = try NCCLFunctions(library)
        path = library.path
        var code: Int32 = 0
        let status = api.getVersion(&code)
        guard status == 0 else { throw NCCLError(function: "ncclGetVersion", code: status, message: "") }
        version = Int(code)
    }

    /// NCCL's words for a result code.
    func message(_ code: Int32) -> String {
        api.getErrorString(code).map { String(cString: $0) } ?? "no message"
    }

    func check(_ code: Int32, _ function: String) throws {
        guard code == 0 else { throw NCCLError(function: function, code: code, message: message(code)) }
    }

    /// A new unique id (rank 0 makes it; the others receive its bytes).
    func uniqueId() throws -> [UInt8] {
        var id = [UInt8](repeating: 0, count: Int(FLOWKIT_NCCL_UNIQUE_ID_BYTES))
        try id.withUnsafeMutableBytes { try check(api.getUniqueId($0.baseAddress), "ncclGetUniqueId") }
        return id
    }

    /// ncclCommInitRank with `id`'s bytes passed by value, through CNCCLShim.
    func initRank(ranks: Int, id: [UInt8], rank: Int) throws -> OpaquePointer {
        guard id.count == Int(FLOWKIT_NCCL_UNIQUE_ID_BYTES), let ranks32 = Int32(exactly: ranks), let rank32 = Int32(exactly: rank) else {
            throw NCCLError(function: "ncclCommInitRank", code: -1, message: "a unique id of \(id.count) bytes, \(ranks) ranks, rank \(rank)")
        }
        var unique = flowkit_nccl_unique_id()
        withUnsafeMutableBytes(of: &unique) { $0.copyBytes(from: id) }
        var comm: UnsafeMutableRawPointer?
        try check(flowkit_nccl_comm_init_rank(api.commInitRank, &comm, ranks32, &unique, rank32), "ncclCommInitRank")
        guard let comm else { throw NCCLError(function: "ncclCommInitRank", code: -1, message: "returned no communicator") }
        return OpaquePointer(comm)
    }
}
