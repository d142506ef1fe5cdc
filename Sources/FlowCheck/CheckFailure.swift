/// A check that could not be carried out (a missing result, an unexpected shape).
struct CheckFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
