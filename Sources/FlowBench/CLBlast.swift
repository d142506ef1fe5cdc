import COpenCL
import FlowCore
import FlowKernelDevice
import FlowOpenCL
import Foundation

/// CLBlast, the tuned OpenCL BLAS, opened with `dlopen` when asked for: the yardstick that
/// `flowkit bench` measures our gemm against on an OpenCL device.
///
/// flowkit has no link-time dependency on CLBlast: the binary builds and runs without it, and
/// only `CLBlast.load` needs `libclblast.so.1` (Debian's `libclblast-dev`, which
/// `.ci/install-packages` installs). It lives in FlowBench, not in the OpenCL backend: this is a
/// measuring instrument, not an op of the library.
package final class CLBlast: @unchecked Sendable {
    // @unchecked: the stored properties are immutable after init; calls go through the device's
    // lock-guarded queue.

    /// The major version pins the C API `CLBlastFunctions` is written against.
    package static let libraryName = "libclblast.so.1"

    /// The path or name the library was opened by.
    package var libraryPath: String { library.path }

    private let library: DynamicLibrary
    private let api: CLBlastFunctions

    /// Opens CLBlast from the first of `candidates` that opens (by default the name, through the
    /// dynamic linker's search path; tests name a missing path). Throws
    /// `DynamicLibraryError.notFound` listing every attempt when none opens.
    package static func load(candidates: [String] = [libraryName]) throws -> CLBlast {
        let library = try DynamicLibrary.open("CLBlast (\(libraryName))", candidates: candidates)
        return CLBlast(library: library, api: try CLBlastFunctions(library))
    }

    private init(library: DynamicLibrary, api: CLBlastFunctions) {
        self.library = library
        self.api = api
    }

    /// `C = alpha·op(A)·op(B) + beta·C` by `CLBlastSgemm` on `device`'s own queue, for the single
    /// products (batch 1, no bias, no activation) that CLBlast's sgemm expresses; the offsets and
    /// leading dimensions of `spec` carry over. Enqueued only: `device.synchronize()` waits.
    package func sgemm(
        _ spec: GemmSpec, a: any DeviceBuffer, b: any DeviceBuffer, c: any DeviceBuffer, on device: OpenCLDevice
    ) throws {
        guard spec.batch == 1, spec.activation == .none else {
            throw CLBlastError.unsupported(detail: "only single products without activation (batch \(spec.batch))")
        }
        let (a, b, c) = (
            try a.downcast(KernelBuffer<OpenCLRuntime>.self, op: "CLBlastSgemm"),
            try b.downcast(KernelBuffer<OpenCLRuntime>.self, op: "CLBlastSgemm"),
            try c.downcast(KernelBuffer<OpenCLRuntime>.self, op: "CLBlastSgemm")
        )
        let status = device.withLock {
            var queue: cl_command_queue? = device.runtime.queue
            return api.sgemm(
                CLBlastFunctions.rowMajor,
                spec.transposeA ? CLBlastFunctions.transposeYes : CLBlastFunctions.transposeNo,
                spec.transposeB ? CLBlastFunctions.transposeYes : CLBlastFunctions.transposeNo,
                spec.m, spec.n, spec.k, spec.alpha,
                // A buffer's address holds its cl_mem handle's bits.
                OpaquePointer(bitPattern: a.address), spec.offsetA, spec.lda, OpaquePointer(bitPattern: b.address), spec.offsetB, spec.ldb,
                spec.beta, OpaquePointer(bitPattern: c.address), spec.offsetC, spec.ldc,
                &queue, nil)
        }
        guard status == 0 else { throw CLBlastError.call(function: "CLBlastSgemm", status: status) }
    }
}
