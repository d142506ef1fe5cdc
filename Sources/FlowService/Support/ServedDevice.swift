/// A served device and what probing it found.
struct ServedDevice: Sendable {
    let name: String
    let kind: String
    let description: String
}
