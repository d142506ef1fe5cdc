import FlowCore
import FlowKernelDevice

/// A kernel's parameter list as the driver reports it (`cuFuncGetParamInfo`, CUDA 12.4 drivers and
/// later), and the check of a launch's arguments against it. `cuLaunchKernel` reads as many
/// parameters, and as many bytes of each, as the kernel has, whatever the caller passed: a missing
/// argument or a 4-byte value where an address belongs is undefined behaviour on CUDA (often an
/// illegal address, error 700, which poisons the context), while OpenCL refuses such a launch. The
/// parameter sizes are read once per kernel; the check against them runs on every launch (a short
/// array comparison). Kept apart from the driver so that it can be tested without a GPU.
struct CUDAKernelParameters: Equatable {
    /// Each parameter's size in bytes, in order.
    let sizes: [Int]

    /// CUDA_ERROR_INVALID_VALUE (cuda.h): what `cuFuncGetParamInfo` returns past the last parameter.
    static let pastTheLastParameter: Int32 = 1
    /// More parameters than any kernel can have (32,764 bytes of parameters at 4 bytes each):
    /// reaching it means the driver never said where the list ends.
    static let parameterLimit = 8191

    /// Reads the sizes through `info` (a parameter's index to the driver's status and that
    /// parameter's size) until the driver reports the index past the last one. Nil when the list
    /// cannot be known: another error (a driver that does not support the call for this kernel),
    /// or no end within `parameterLimit`; launches then go unchecked, as before the call existed.
    static func read(_ info: (Int) -> (status: Int32, size: Int)) -> CUDAKernelParameters? {
        var sizes: [Int] = []
        for index in 0...parameterLimit {
            let (status, size) = info(index)
            if status == pastTheLastParameter { return CUDAKernelParameters(sizes: sizes) }
            guard status == 0 else { return nil }
            sizes.append(size)
        }
        return nil
    }

    /// The bytes `cuLaunchKernel` must read for an argument: a device address 8, the 32-bit
    /// scalars 4 (`CUDALaunchShape.parameterValues` puts each at the start of an 8-byte slot).
    static func size(of argument: LaunchArgument) -> Int {
        switch argument {
        case .buffer: return 8
        case .int, .float, .uint: return 4
        }
    }

    /// Throws `FlowError.invalidArgument` naming `kernel` when `arguments` are not as many as the
    /// kernel's parameters, or one's size differs from its parameter's.
    func check(kernel: String, arguments: [LaunchArgument]) throws {
        guard arguments.count == sizes.count else {
            throw FlowError.invalidArgument(
                op: kernel,
                detail: "CUDA kernel \(kernel) takes \(sizes.count) parameters (\(sizes.map { "\($0) bytes" }.joined(separator: ", "))), "
                    + "but the launch passes \(arguments.count) arguments")
        }
        for (index, (argument, size)) in zip(arguments, sizes).enumerated() where Self.size(of: argument) != size {
            throw FlowError.invalidArgument(
                op: kernel,
                detail: "parameter \(index) of CUDA kernel \(kernel) is \(size) bytes, but the launch passes \(Self.describe(argument)) "
                    + "(\(Self.size(of: argument)) bytes)")
        }
    }

    private static func describe(_ argument: LaunchArgument) -> String {
        switch argument {
        case .buffer: return "a buffer address"
        case .int: return "an int"
        case .float: return "a float"
        case .uint: return "a uint"
        }
    }
}
