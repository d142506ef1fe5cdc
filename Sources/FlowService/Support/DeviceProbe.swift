import FlowRuntime

/// Checks at start-up that every device the server is asked to serve exists, so a job never
/// waits for a device that is not there. Devices are looked up, not opened, and each backend
/// is only asked for its devices when a name has its kind (the CPU never touches OpenCL).
enum DeviceProbe {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func probe(_ names: [String]) throws -> [ServedDevice] {
        guard !names.isEmpty else { throw Failure(description: "--devices must name at least one device (e.g. cpu)") }
        guard Set(names).count == names.count else { throw Failure(description: "--devices names a device twice: \(names.joined(separator: ","))") }
        return try names.map { name in
            let info: DeviceInfo
            do {
                info = try DeviceRegistry.catalog.info(named: name)
            } catch let error as FlowError {
                throw Failure(description: "--devices: \(error)")
            }
            let description = info.kind == .cpu ? "\(info.name) (\(info.driver))" : "\(info.name) (\(info.vendor), \(info.driver))"
            return ServedDevice(name: name, kind: info.kind.rawValue, description: description)
        }
    }
}
