import FlowCore
import FlowKernelDevice
import Synchronization

extension DeviceKind {
    /// Devices of the CUDA backend: `cuda`, `cuda:N` (N the driver's device ordinal).
    public static let cuda = DeviceKind(rawValue: "cuda")
}

/// The CUDA backend's provider: every device the CUDA driver lists. The driver is opened and
/// initialised once, on first use, so a process that never asks for CUDA never loads it; where
/// it cannot be opened, `cuInit` fails or it lists no device, there is no CUDA device and
/// `missingHint` says which of these it was.
package final class CUDAProvider: DeviceProvider {
    /// What discovery found: the driver and its devices, or why there are none.
    private struct Discovery: Sendable {
        var driver: CUDADriver?
        var devices: [CUDADriver.Found] = []
        var reason = ""
    }

    private let candidates: [String]
    private let discovered = Mutex<Discovery?>(nil)
    private let opened = Mutex<[Int: CUDADevice]>([:])

    /// `libraryCandidates`: where the driver is looked for (by default `CUDADriver.standardCandidates`:
    /// its soname through the dynamic linker's search path, then the usual mount folders; tests
    /// name a missing path).
    package init(libraryCandidates: [String] = CUDADriver.standardCandidates) {
        candidates = libraryCandidates
    }

    package var kind: DeviceKind { .cuda }
    package var devices: [DeviceInfo] { discovery().devices.map(\.info) }
    package var missingHint: String { discovery().reason }

    package func device(at index: Int) throws -> any Device {
        let discovery = discovery()
        guard let driver = discovery.driver, discovery.devices.indices.contains(index) else {
            throw FlowError.unknownDevice(name: "cuda:\(index)", detail: discovery.devices.isEmpty ? discovery.reason : "no such CUDA device")
        }
        return try opened.withLock { devices in
            if let existing = devices[index] { return existing }
            let nvrtc: NVRTC
            do {
                nvrtc = try NVRTC.load(fallbackDirectories: NVRTC.standardFallbackDirectories, driverMajor: driver.version.major)
            } catch {
                throw FlowError.unknownDevice(
                    name: "cuda:\(index)",
                    detail: "the CUDA backend compiles its kernels at run time with NVRTC, which could not be opened "
                        + "(set \(NVRTC.directoryVariable) to a folder holding \(NVRTCLocation.sonamesDescription), "
                        + "e.g. site-packages/nvidia/cu13/lib of the nvidia-cuda-nvrtc wheel): \(error)")
            }
            let created = try CUDADevice(discovery.devices[index], driver: driver, nvrtc: nvrtc)
            devices[index] = created
            return created
        }
    }

    private func discovery() -> Discovery {
        discovered.withLock { cached in
            if let cached { return cached }
            let found = Self.discover(candidates)
            cached = found
            return found
        }
    }

    private static func discover(_ candidates: [String]) -> Discovery {
        let driver: CUDADriver
        do {
            driver = try CUDADriver.load(candidates: candidates)
        } catch {
            return Discovery(
                reason: "no CUDA device: \(error)\nInstall the NVIDIA driver (it provides \(CUDADriver.libraryName)); "
                    + "in a container, run with the GPU visible (e.g. `docker run --gpus all`).")
        }
        do {
            let devices = try driver.devices()
            guard !devices.isEmpty else {
                return Discovery(
                    driver: driver,
                    reason: "no CUDA device: the driver (CUDA \(driver.version.major).\(driver.version.minor), \(driver.libraryPath)) lists none")
            }
            return Discovery(driver: driver, devices: devices)
        } catch {
            return Discovery(reason: "no CUDA device: the driver (\(driver.libraryPath)) opened, but \(error)")
        }
    }
}
