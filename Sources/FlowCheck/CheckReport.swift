import Foundation

/// The whole result of `flowkit check`: one report per device, and the verdict. Encoded as one
/// JSON document by `--json` (non-finite errors are null: JSON has no infinity).
public struct CheckReport: Codable, Sendable {
    public var devices: [DeviceReport]
    public var summary: CheckSummary
    public var passed: Bool
    /// Set only when a deliberate fault was injected (`--perturb`), so no one mistakes such a run for a real one.
    public var perturbation: Perturbation?

    public init(devices: [DeviceReport], perturbation: Perturbation?) {
        self.devices = devices
        summary = CheckSummary(adding: devices.map(\.summary))
        passed = devices.allSatisfy(\.passed)
        self.perturbation = perturbation
    }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
