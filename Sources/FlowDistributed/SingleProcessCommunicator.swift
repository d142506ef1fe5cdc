import Foundation

/// A process not started by an MPI launcher: rank 0 of 1. Every exchange hands back what it was
/// given, so the data-parallel step runs unchanged (and is the reference the MPI runs must match).
public final class SingleProcessCommunicator: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func barrier() throws {}
    public func broadcast(_ bytes: [UInt8], root: Int) throws -> [UInt8] {
        try check(root)
        return bytes
    }
    public func gather(_ bytes: [UInt8], root: Int) throws -> [UInt8]? {
        try check(root)
        return bytes
    }
    public func allGather(_ bytes: [UInt8]) throws -> [UInt8] { bytes }
    public func allToAll(_ bytes: [UInt8]) throws -> [UInt8] { bytes }
    public func abort(code: Int32) -> Never { exit(code) }
    public func finish() {}

    private func check(_ root: Int) throws {
        guard root == 0 else { throw DistributedError("root rank \(root) does not exist in a job of 1 rank") }
    }
}
