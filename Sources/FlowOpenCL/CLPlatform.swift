import COpenCL
import FlowCore
import Foundation

/// Discovery of OpenCL devices through the ICD loader. Devices are numbered across all platforms
/// in platform order, which is the `N` of `opencl:N`.
enum CLPlatform {
    struct Found: @unchecked Sendable {
        // @unchecked: cl_platform_id / cl_device_id are immutable handles, valid for the process.
        let platform: cl_platform_id
        let device: cl_device_id
        let info: DeviceInfo
    }

    /// Hint printed whenever OpenCL is asked for but missing: how to install a driver, or, when
    /// one is installed but lists no device, the likely reasons.
    static var missingHint: String {
        let drivers = PoCLCache.installedDrivers()
        guard !drivers.isEmpty else {
            return "no OpenCL platform found. Install an OpenCL driver and the ICD loader, e.g. on Debian/Ubuntu "
                + "`apt-get install ocl-icd-libopencl1 pocl-opencl-icd` (PoCL runs OpenCL on the CPU), or your GPU vendor's "
                + "OpenCL driver (NVIDIA: the driver's libnvidia-opencl and /etc/OpenCL/vendors/nvidia.icd)."
        }
        var hint = "OpenCL drivers are installed (\(drivers.joined(separator: ", "))) but list no device."
        if drivers.contains(where: { $0.contains("pocl") }) {
            hint +=
                " PoCL lists none when it cannot write its cache directory: set POCL_CACHE_DIR to a writable folder"
                + (PoCLCache.redirected.map { " (flowkit pointed it at \($0))" } ?? "") + "."
        }
        return hint + " For a GPU driver, check that the device is visible (e.g. `nvidia-smi`; in a container, `--gpus all`)."
    }

    /// Every OpenCL device on every platform; empty when there is no platform (or no ICD loader
    /// configuration) rather than an error, since a machine without OpenCL is normal.
    static func devices() -> [Found] {
        PoCLCache.prepare()
        var platformCount: cl_uint = 0
        guard clGetPlatformIDs(0, nil, &platformCount) == CL_SUCCESS, platformCount > 0 else { return [] }
        var platforms = [cl_platform_id?](repeating: nil, count: Int(platformCount))
        guard clGetPlatformIDs(platformCount, &platforms, nil) == CL_SUCCESS else { return [] }
        var found: [Found] = []
        for case let platform? in platforms {
            var deviceCount: cl_uint = 0
            let all = cl_device_type(0xFFFF_FFFF)
            guard clGetDeviceIDs(platform, all, 0, nil, &deviceCount) == CL_SUCCESS, deviceCount > 0 else { continue }
            var devices = [cl_device_id?](repeating: nil, count: Int(deviceCount))
            guard clGetDeviceIDs(platform, all, deviceCount, &devices, nil) == CL_SUCCESS else { continue }
            for case let device? in devices {
                let info = DeviceInfo(
                    kind: .opencl, index: found.count,
                    name: string(device, cl_device_info(CL_DEVICE_NAME)),
                    vendor: string(device, cl_device_info(CL_DEVICE_VENDOR)),
                    driver: string(device, cl_device_info(CL_DRIVER_VERSION)),
                    memoryBytes: value(device, cl_device_info(CL_DEVICE_GLOBAL_MEM_SIZE), as: cl_ulong.self),
                    computeUnits: Int(value(device, cl_device_info(CL_DEVICE_MAX_COMPUTE_UNITS), as: cl_uint.self)),
                    hardware: hardware(value(device, cl_device_info(CL_DEVICE_TYPE), as: cl_device_type.self)))
                found.append(Found(platform: platform, device: device, info: info))
            }
        }
        return found
    }

    /// The class of a `CL_DEVICE_TYPE` bit field (a device may also set the DEFAULT bit).
    static func hardware(_ type: cl_device_type) -> DeviceHardware {
        if type & cl_device_type(CL_DEVICE_TYPE_GPU) != 0 { return .gpu }
        if type & cl_device_type(CL_DEVICE_TYPE_ACCELERATOR) != 0 { return .accelerator }
        if type & cl_device_type(CL_DEVICE_TYPE_CPU) != 0 { return .cpu }
        return .other
    }

    static func string(_ device: cl_device_id, _ parameter: cl_device_info) -> String {
        var size = 0
        guard clGetDeviceInfo(device, parameter, 0, nil, &size) == CL_SUCCESS, size > 0 else { return "" }
        var bytes = [CChar](repeating: 0, count: size)
        guard clGetDeviceInfo(device, parameter, size, &bytes, nil) == CL_SUCCESS else { return "" }
        return String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            .trimmingCharacters(in: .whitespaces)
    }

    static func value<T: FixedWidthInteger>(_ device: cl_device_id, _ parameter: cl_device_info, as type: T.Type) -> T {
        var result: T = 0
        _ = clGetDeviceInfo(device, parameter, MemoryLayout<T>.size, &result, nil)
        return result
    }
}
