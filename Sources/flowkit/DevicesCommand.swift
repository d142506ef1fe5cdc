import ArgumentParser
import FlowRuntime
import Foundation

struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List the devices flowkit can run on (the CPU, every OpenCL device and every CUDA device).",
        discussion: "Select one with --device NAME or the FLOWKIT_DEVICE environment variable, NAME being the first column.")

    @Flag(name: .long, help: "Print one JSON array instead of a table.")
    var json = false

    func run() throws {
        let devices = DeviceRegistry.available()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let entries = devices.map { DeviceEntry($0) }
            print(String(decoding: try encoder.encode(entries), as: UTF8.self))
            return
        }
        print("NAME       KIND    NAME / VENDOR / DRIVER")
        for device in devices {
            let memory = String(format: "%.1f GiB", Double(device.memoryBytes) / Double(1 << 30))
            print(
                "\(device.selector.padding(toLength: 10, withPad: " ", startingAt: 0)) \(device.kind.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)) \(device.name)"
            )
            print(
                "                   vendor \(device.vendor), driver \(device.driver), \(memory), \(device.computeUnits) compute units, \(device.hardware.rawValue) hardware"
            )
        }
        if !DeviceRegistry.hasOpenCL {
            FileHandle.standardError.write(Data("note: no OpenCL device: \(DeviceRegistry.openCLMissingHint)\n".utf8))
        }
        if DeviceRegistry.catalog.devices(of: .cuda).isEmpty {
            FileHandle.standardError.write(Data("note: \(DeviceRegistry.cudaMissingHint)\n".utf8))
        }
    }
}

/// The JSON form of one device, with its selector name.
private struct DeviceEntry: Encodable {
    let name: String
    let kind: String
    let index: Int
    let device: String
    let vendor: String
    let driver: String
    let memoryBytes: UInt64
    let computeUnits: Int
    /// `cpu`, `gpu`, `accelerator` or `other`, as the driver reports it.
    let hardware: String

    init(_ info: DeviceInfo) {
        name = info.selector
        kind = info.kind.rawValue
        index = info.index
        device = info.name
        vendor = info.vendor
        driver = info.driver
        memoryBytes = info.memoryBytes
        computeUnits = info.computeUnits
        hardware = info.hardware.rawValue
    }
}
