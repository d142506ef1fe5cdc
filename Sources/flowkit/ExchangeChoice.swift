import FlowCUDA
import FlowCore
import FlowDistributed
import FlowNCCL
import Foundation

/// Which library moves a data-parallel job's bytes: MPI (any device), or NCCL between CUDA devices
/// (GPU to GPU, without the host's network stack in between). Either way only bytes move and the
/// sum stays in flowkit's fixed order, so the choice changes no bit of the result.
///
/// `FLOWKIT_EXCHANGE`: `mpi`, `nccl` (refused where a rank cannot use it), or unset: NCCL when the
/// device is a CUDA device and every rank opens `libnccl.so.2`, else MPI. The ranks agree on it
/// over MPI first, so no rank waits in one library while another talks in the other.
enum ExchangeChoice: Equatable {
    case automatic, mpi, nccl

    static let variable = "FLOWKIT_EXCHANGE"

    /// A choice every rank has learned is impossible (they agreed on it over MPI): rank 0 says why.
    struct Refusal: Error, CustomStringConvertible {
        let description: String
    }

    static func parse(_ environment: [String: String]) throws -> ExchangeChoice {
        switch environment[variable] {
        case nil, "": return .automatic
        case "mpi": return .mpi
        case "nccl": return .nccl
        case let other?: throw FlowKit.Failure(description: "\(variable) is \"\(other)\"; expected mpi or nccl (or unset: NCCL on CUDA devices where it opens)")
        }
    }

    /// The communicator the job exchanges over, and words for the start line (nil: MPI, said by the rank count alone).
    static func communicator(
        over mpi: any Communicator, device: any Device, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> (communicator: any Communicator, description: String?) {
        let choice = try parse(environment)
        guard mpi.size > 1, choice != .mpi else { return (mpi, nil) }
        var library: NCCLLibrary?
        var reason = "the device is not a CUDA device"
        let cuda = device as? CUDADevice
        if cuda != nil {
            do {
                library = try NCCLLibrary(environment: environment)
            } catch {
                reason = "\(error)"
            }
        }
        let able = try mpi.allGather([library == nil ? 0 : 1])
        guard let library, let cuda, able.allSatisfy({ $0 == 1 }) else {
            if choice == .nccl {
                let ranks = able.indices.filter { able[$0] == 0 }.map(String.init).joined(separator: ", ")
                throw Refusal(
                    description: "\(variable)=nccl, but rank(s) \(ranks) cannot use NCCL" + (library == nil ? " (this rank: \(reason))" : ""))
            }
            return (mpi, nil)
        }
        let communicator = try NCCLCommunicator(bootstrap: mpi, library: library, staging: CUDAStaging(cuda.runtime))
        return (communicator, "exchange over NCCL \(library.version) (\(library.path))")
    }
}
