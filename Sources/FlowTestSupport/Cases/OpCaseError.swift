/// A case whose op returned something other than what its contract promises, before any value
/// is compared (the Swift tests see the error, `flowkit check` a failing row naming it).
public enum OpCaseError: Error, CustomStringConvertible {
    case wrongShape(op: String, actual: [Int], expected: [Int])
    /// An output the op was asked for and did not return.
    case missing(op: String, output: String)
    /// An output the op was not asked for and returned anyway.
    case unexpected(op: String, output: String)

    public var description: String {
        switch self {
        case .wrongShape(let op, let actual, let expected): "\(op): shape \(actual), expected \(expected)"
        case .missing(let op, let output): "\(op) returned no \(output)"
        case .unexpected(let op, let output): "\(op) returned a \(output)"
        }
    }

    /// Throws unless `shape` is `expected`.
    static func requireShape(_ op: String, _ shape: [Int], _ expected: [Int]) throws {
        guard shape == expected else { throw OpCaseError.wrongShape(op: op, actual: shape, expected: expected) }
    }
}
