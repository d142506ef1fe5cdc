import FlowKernelDevice
import FlowRuntime
import Testing

@testable import FlowCUDA

/// The check of a launch's arguments against the kernel's parameters as `cuFuncGetParamInfo`
/// reports them, on made-up driver answers (no GPU here).
@Suite struct CUDAKernelParametersTests {
    /// A driver that knows a kernel with parameters of these sizes: INVALID_VALUE past the last.
    static func driver(_ sizes: [Int]) -> (Int) -> (status: Int32, size: Int) {
        { index in index < sizes.count ? (0, sizes[index]) : (1, 0) }
    }

    @Test func theSizesAreReadUpToTheLastParameter() {
        #expect(CUDAKernelParameters.read(Self.driver([8, 8, 4, 4])) == CUDAKernelParameters(sizes: [8, 8, 4, 4]))
        #expect(CUDAKernelParameters.read(Self.driver([])) == CUDAKernelParameters(sizes: []))
    }

    /// Another error (CUDA_ERROR_NOT_SUPPORTED), or no end, leaves the list unknown: no check.
    @Test func anUnknownListIsNil() {
        #expect(CUDAKernelParameters.read { _ in (801, 0) } == nil)
        #expect(CUDAKernelParameters.read { index in index == 0 ? (0, 8) : (801, 0) } == nil)
        #expect(CUDAKernelParameters.read { _ in (0, 4) } == nil)
    }

    @Test func matchingArgumentsPass() throws {
        let parameters = CUDAKernelParameters(sizes: [8, 4, 4, 4])
        try parameters.check(kernel: "scale", arguments: [.buffer(0x1000), .int(3), .float(0.5), .uint(7)])
    }

    @Test func aMissingArgumentIsRefusedNamingTheKernel() {
        let parameters = CUDAKernelParameters(sizes: [8, 8, 4])
        let error = #expect(throws: FlowError.self) {
            try parameters.check(kernel: "add_bias", arguments: [.buffer(0x1000), .buffer(0x2000)])
        }
        guard case let .invalidArgument(op, detail)? = error else {
            Issue.record("expected FlowError.invalidArgument, got \(String(describing: error))")
            return
        }
        #expect(op == "add_bias")
        #expect(detail.contains("add_bias takes 3 parameters") && detail.contains("passes 2 arguments"), "\(detail)")
    }

    @Test func aScalarWhereAnAddressBelongsIsRefused() {
        let parameters = CUDAKernelParameters(sizes: [8, 4])
        let error = #expect(throws: FlowError.self) { try parameters.check(kernel: "fill", arguments: [.int(1), .int(2)]) }
        #expect(
            error?.description.contains("parameter 0 of CUDA kernel fill is 8 bytes, but the launch passes an int (4 bytes)") == true,
            "\(String(describing: error))")
        #expect(throws: FlowError.self) { try parameters.check(kernel: "fill", arguments: [.buffer(1), .buffer(2)]) }
    }
}
