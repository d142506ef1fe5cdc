import Foundation
import Synchronization

/// The backends of a process, each a `DeviceProvider`, and the selectors that name their devices:
/// `kind[:index]` (`cpu`, `opencl`, `opencl:1`), where a bare kind means its device 0. Kinds are
/// matched case-insensitively and listed in registration order, the CPU first.
public final class DeviceCatalog: Sendable {
    private let providers: Mutex<[any DeviceProvider]>

    public init(providers: [any DeviceProvider]) {
        self.providers = Mutex(providers)
    }

    /// Adds a backend. A kind can be registered once: a second provider for it is refused, so a
    /// selector always means one thing for the life of the process.
    public func register(_ provider: any DeviceProvider) throws {
        try providers.withLock { providers in
            guard !providers.contains(where: { $0.kind == provider.kind }) else {
                throw FlowError.invalidArgument(op: "DeviceCatalog.register", detail: "a provider of kind '\(provider.kind)' is already registered")
            }
            providers.append(provider)
        }
    }

    /// The registered kinds, in order.
    public var kinds: [DeviceKind] { providers.withLock { $0.map(\.kind) } }

    /// Every device of every backend, in kind order, then index order.
    public func available() -> [DeviceInfo] {
        snapshot().flatMap(\.devices)
    }

    /// The devices of one kind (none for an unregistered kind).
    public func devices(of kind: DeviceKind) -> [DeviceInfo] {
        snapshot().first { $0.kind == kind }?.devices ?? []
    }

    /// Why there is no device of `kind`, for messages.
    public func missingHint(for kind: DeviceKind) -> String {
        snapshot().first { $0.kind == kind }?.missingHint ?? "no backend of kind '\(kind)' is registered"
    }

    /// The listing of the device `selector` names, without opening it (so a server can check its
    /// devices at start-up cheaply). Throws `FlowError.unknownDevice` naming what is wrong, or
    /// `FlowError.unavailableDevice` for a known kind with no device here.
    public func info(named selector: String) throws -> DeviceInfo {
        let (provider, index) = try resolve(selector)
        return provider.devices[index]
    }

    /// The device `selector` names, opened on first use and shared after.
    public func device(named selector: String) throws -> any Device {
        let (provider, index) = try resolve(selector)
        return try provider.device(at: index)
    }

    private func snapshot() -> [any DeviceProvider] { providers.withLock { $0 } }

    private func resolve(_ rawName: String) throws -> (any DeviceProvider, Int) {
        let name = rawName.trimmingCharacters(in: .whitespaces).lowercased()
        let providers = snapshot()
        let expected = providers.map(\.kind.rawValue).joined(separator: ", ")
        let parts = name.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let kindText = parts.first.map(String.init) ?? ""
        guard let provider = providers.first(where: { $0.kind.rawValue == kindText }) else {
            throw FlowError.unknownDevice(name: rawName, detail: "expected a device kind (\(expected)), optionally with :N; see `flowkit devices`")
        }
        var index = 0
        if parts.count == 2 {
            // Digits only: Int would also take "+1" and "-0".
            guard !parts[1].isEmpty, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let parsed = Int(parts[1]) else {
                throw FlowError.unknownDevice(
                    name: rawName, detail: "'\(parts[1])' is not a device number; expected \(kindText):N with N ≥ 0")
            }
            index = parsed
        }
        let count = provider.devices.count
        guard count > 0 else { throw FlowError.unavailableDevice(name: rawName, detail: provider.missingHint) }
        guard index < count else {
            throw FlowError.unknownDevice(
                name: rawName, detail: "there are \(count) \(kindText) device(s), numbered 0...\(count - 1); see `flowkit devices`")
        }
        return (provider, index)
    }
}
