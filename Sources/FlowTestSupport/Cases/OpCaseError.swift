/// A case whose op returned something other than what its contract promises, before any value
/// is compared (the Swift tests see the error, `flowkit check` a failing row naming it).
public enum OpCaseError: Error, CustomStringConvertible {
    case wrongShape(op: String, actual: [Int], expected: [Int])

    public var description: String {
        switch self {
        case .wrongShape(let op, let actual, let expected): "\(op): shape \(actual), expected \(expected)"
        }
    }

    /// Throws unless `shape` is `expected`.
    static func requireShape(_ op: String, _ shape: [Int], _ expected: [Int]) throws {
        guard shape == expected else { throw OpCaseError.wrongShape(op: op, actual: shape, expected: expected) }
    }
}
