import FlowRuntime

/// Everything `flowkit check` found on one device.
public struct DeviceReport: Codable, Sendable {
    /// The selector (`cpu`, `opencl:0`) that names the device.
    public var selector: String
    public var device: DeviceInfo
    public var rows: [CheckRow]
    public var summary: CheckSummary
    public var passed: Bool

    public init(device: DeviceInfo, rows: [CheckRow], seconds: Double) {
        selector = device.selector
        self.device = device
        self.rows = rows
        summary = CheckSummary(rows, seconds: seconds)
        passed = summary.ok
    }

    /// A device that could not even be opened: one failing row with the error.
    public init(failedToOpen info: DeviceInfo, error: any Error) {
        self.init(
            device: info,
            rows: [CheckRow(section: "device", op: "open device", shapes: "", tolerance: "opens", status: .fail, detail: "\(error)")],
            seconds: 0)
    }
}
