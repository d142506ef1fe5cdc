import FlowRuntime

/// Checks at start-up that every device the server is asked to serve exists, so a job never
/// waits for a device that is not there. The CPU is checked without touching OpenCL.
enum DeviceProbe {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func probe(_ names: [String]) throws -> [ServedDevice] {
        guard !names.isEmpty else { throw Failure(description: "--devices must name at least one device (e.g. cpu)") }
        guard Set(names).count == names.count else { throw Failure(description: "--devices names a device twice: \(names.joined(separator: ","))") }
        return try names.map { name in
            if name == "cpu" {
                let info = try DeviceRegistry.device(named: "cpu").info
                return ServedDevice(name: name, kind: info.kind.rawValue, description: "\(info.name) (\(info.driver))")
            }
            guard name == "opencl" || name.hasPrefix("opencl:") else {
                throw Failure(description: "--devices: unknown device '\(name)'; expected cpu, opencl or opencl:N (see `flowkit devices`)")
            }
            let openCL = DeviceRegistry.available().filter { $0.kind != .cpu }
            guard let info = name == "opencl" ? openCL.first : openCL.first(where: { $0.selector == name }) else {
                throw Failure(
                    description: "--devices: no OpenCL device '\(name)' on this machine"
                        + (openCL.isEmpty ? ": \(DeviceRegistry.openCLMissingHint)" : "; found \(openCL.map(\.selector).joined(separator: ", "))"))
            }
            return ServedDevice(name: name, kind: info.kind.rawValue, description: "\(info.name) (\(info.vendor), \(info.driver))")
        }
    }
}
