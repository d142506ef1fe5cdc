/// A failed NCCL call: the function, NCCL's result code and its own words for it.
public struct NCCLError: Error, CustomStringConvertible, Equatable {
    public let function: String
    public let code: Int32
    public let message: String
    public var description: String { "\(function) failed with NCCL result \(code) (\(message))" }
}
