import FlowCore
import FlowKernelDevice

#if _endian(big)
    #error("CUDALaunchShape.parameterValues puts each value first in its slot, which only a little-endian host reads back")
#endif

/// How an OpenCL-style launch (global and local work sizes) becomes a CUDA one: a grid of
/// `global / local` blocks of `local` threads, in up to three dimensions, and the kernel's
/// parameters as the values `cuLaunchKernel` points at. Kept apart from the driver calls so that
/// it can be tested without a GPU.
struct CUDALaunchShape: Equatable {
    struct Dimensions: Equatable, CustomStringConvertible {
        var x: UInt32 = 1
        var y: UInt32 = 1
        var z: UInt32 = 1
        var description: String { "(\(x), \(y), \(z))" }
    }

    var grid = Dimensions()
    var block = Dimensions()

    /// The grid's limits on every CUDA GPU (compute capability 3.0 and later): 2³¹ − 1 blocks
    /// along x, 65535 along y and z.
    static let gridLimits: [UInt32] = [UInt32(Int32.max), 65535, 65535]

    /// `global` must be multiples of `local` (as `KernelDevice.launch` rounds them), one to three
    /// dimensions; throws `FlowError.invalidArgument` naming the kernel when the grid would exceed
    /// CUDA's limits.
    init(kernel: String, global: [Int], local: [Int]) throws {
        guard (1...3).contains(global.count), global.count == local.count, local.allSatisfy({ $0 > 0 }) else {
            throw FlowError.invalidArgument(op: kernel, detail: "a launch over \(global) in groups of \(local)")
        }
        var grid: [UInt32] = [1, 1, 1]
        var block: [UInt32] = [1, 1, 1]
        for dimension in global.indices {
            let blocks = global[dimension] / local[dimension]
            guard global[dimension] % local[dimension] == 0, blocks <= Int(Self.gridLimits[dimension]), local[dimension] <= Int(UInt32.max) else {
                throw FlowError.invalidArgument(
                    op: kernel, detail: "a launch over \(global) in blocks of \(local) exceeds CUDA's grid limits \(Self.gridLimits)")
            }
            grid[dimension] = UInt32(blocks)
            block[dimension] = UInt32(local[dimension])
        }
        self.grid = Dimensions(x: grid[0], y: grid[1], z: grid[2])
        self.block = Dimensions(x: block[0], y: block[1], z: block[2])
    }

    /// One 8-byte slot per argument, the value in its low bytes (first in memory on the
    /// little-endian hosts flowkit runs on): a device address fills the slot, the 32-bit ints,
    /// floats and uints the kernels take fill its first four bytes.
    static func parameterValues(_ arguments: [LaunchArgument]) -> [UInt64] {
        arguments.map { argument in
            switch argument {
            case let .buffer(address): return UInt64(address)
            case let .int(value): return UInt64(UInt32(bitPattern: value))
            case let .float(value): return UInt64(value.bitPattern)
            case let .uint(value): return UInt64(value)
            }
        }
    }
}
