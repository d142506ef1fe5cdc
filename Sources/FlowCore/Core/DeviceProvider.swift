/// A backend as the device catalog sees it: the devices of one kind, numbered from 0, and how to
/// open one. Listing must be cheap and must not fail (a machine without the backend's driver has
/// no devices of that kind and a `missingHint` saying why); opening may fail with a `FlowError`.
/// A provider creates each device at most once and hands out that instance, so its kernels and
/// buffer cache are built once per process.
public protocol DeviceProvider: Sendable {
    var kind: DeviceKind { get }
    /// Every device of this kind, in index order (`info.index` is the position).
    var devices: [DeviceInfo] { get }
    /// Why `devices` is empty and what to install, for messages.
    var missingHint: String { get }
    /// The device at `index`, an index into `devices`.
    func device(at index: Int) throws -> any Device
}
