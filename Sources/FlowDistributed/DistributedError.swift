/// A failed exchange or launch, in words (an MPI error code with MPI's own text).
public struct DistributedError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
