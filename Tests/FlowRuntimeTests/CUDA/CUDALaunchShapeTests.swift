import FlowKernelDevice
import FlowRuntime
import Testing

@testable import FlowCUDA

/// How `CUDARuntime` turns the launches `KernelDevice` makes into `cuLaunchKernel`'s grid, block
/// and parameters: testable without a GPU, unlike the launch itself.
@Suite struct CUDALaunchShapeTests {
    @Test func elementwiseLaunchIsOneRowOfBlocks() throws {
        let shape = try CUDALaunchShape(kernel: "fill", global: [1024], local: [256])
        #expect(shape.grid == .init(x: 4, y: 1, z: 1))
        #expect(shape.block == .init(x: 256, y: 1, z: 1))
    }

    @Test func gemmLaunchKeepsItsThreeDimensions() throws {
        // KernelDevice.gemm: [groupsN · localN, groupsM · localM, batch] in groups of [localN, localM, 1].
        let shape = try CUDALaunchShape(kernel: "gemm_nn", global: [64, 48, 5], local: [16, 16, 1])
        #expect(shape.grid == .init(x: 4, y: 3, z: 5))
        #expect(shape.block == .init(x: 16, y: 16, z: 1))
    }

    @Test func launchesBeyondTheGridLimitsOrNotRoundedAreRefused() {
        #expect(throws: FlowError.self) { _ = try CUDALaunchShape(kernel: "k", global: [1, 65536, 1], local: [1, 1, 1]) }
        #expect(throws: FlowError.self) { _ = try CUDALaunchShape(kernel: "k", global: [1, 1, 65536], local: [1, 1, 1]) }
        #expect(throws: FlowError.self) { _ = try CUDALaunchShape(kernel: "k", global: [100], local: [64]) }
        #expect(throws: FlowError.self) { _ = try CUDALaunchShape(kernel: "k", global: [64, 1, 1, 1], local: [64, 1, 1, 1]) }
        #expect((try? CUDALaunchShape(kernel: "k", global: [1, 65535, 65535], local: [1, 1, 1])) != nil)
    }

    /// cuLaunchKernel reads each parameter through its pointer, as many bytes as the parameter
    /// has: the first 4 bytes of a slot must be the 32-bit value, all 8 the device address.
    @Test func eachParameterSitsAtTheStartOfItsSlot() {
        let address: UInt = 0x7F00_1234_5678
        let values = CUDALaunchShape.parameterValues([.buffer(address), .int(-3), .float(1.5), .uint(0xDEAD_BEEF)])
        values.withUnsafeBytes { bytes in
            #expect(bytes.load(fromByteOffset: 0, as: UInt64.self) == UInt64(address))
            #expect(bytes.load(fromByteOffset: 8, as: Int32.self) == -3)
            #expect(bytes.load(fromByteOffset: 16, as: Float.self) == 1.5)
            #expect(bytes.load(fromByteOffset: 24, as: UInt32.self) == 0xDEAD_BEEF)
        }
    }
}
