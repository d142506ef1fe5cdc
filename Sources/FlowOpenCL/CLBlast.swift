import COpenCL
import FlowCore
import Foundation

/// CLBlast, the tuned OpenCL BLAS, opened with `dlopen` when asked for: the yardstick that
/// `flowkit bench` measures our gemm against on an OpenCL device.
///
/// flowkit has no link-time dependency on CLBlast: the binary builds and runs without it, and
/// only `CLBlast.load` needs `libclblast.so.1` (Debian's `libclblast-dev`, which
/// `.ci/install-packages` installs). Package access only: this is a measuring instrument, not an
/// op of the library.
package final class CLBlast: @unchecked Sendable {
    // @unchecked: the stored properties are immutable after init; calls go through the device's
    // lock-guarded queue.

    /// The major version pins the C API `CLBlastFunctions` is written against.
    package static let libraryName = "libclblast.so.1"

    /// The path or name the library was opened by.
    package let libraryPath: String

    private let handle: UnsafeMutableRawPointer
    private let api: CLBlastFunctions

    /// Opens CLBlast by name through the dynamic linker's search path, then from each of
    /// `candidates` (paths of the library; tests name a missing one). Throws
    /// `CLBlastError.libraryNotFound` listing every attempt when none opens.
    package static func load(candidates: [String] = [libraryName]) throws -> CLBlast {
        var attempts: [String] = []
        for candidate in candidates {
            // RTLD_LOCAL: the symbols are reached through dlsym only and must not interpose on others.
            guard let handle = dlopen(candidate, RTLD_NOW | RTLD_LOCAL) else {
                attempts.append("\(candidate): \(dlerror().map { String(cString: $0) } ?? "not found")")
                continue
            }
            do {
                return try CLBlast(handle: handle, path: candidate)
            } catch {
                dlclose(handle)
                throw error
            }
        }
        throw CLBlastError.libraryNotFound(attempts: attempts)
    }

    private init(handle: UnsafeMutableRawPointer, path: String) throws {
        api = try CLBlastFunctions(handle: handle, library: path)
        self.handle = handle
        libraryPath = path
    }

    deinit { dlclose(handle) }

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
            try a.downcast(CLBuffer.self, op: "CLBlastSgemm"), try b.downcast(CLBuffer.self, op: "CLBlastSgemm"),
            try c.downcast(CLBuffer.self, op: "CLBlastSgemm")
        )
        let status = device.withLock {
            var queue: cl_command_queue? = device.queue
            return api.sgemm(
                CLBlastFunctions.rowMajor,
                spec.transposeA ? CLBlastFunctions.transposeYes : CLBlastFunctions.transposeNo,
                spec.transposeB ? CLBlastFunctions.transposeYes : CLBlastFunctions.transposeNo,
                spec.m, spec.n, spec.k, spec.alpha,
                a.mem, spec.offsetA, spec.lda, b.mem, spec.offsetB, spec.ldb, spec.beta, c.mem, spec.offsetC, spec.ldc,
                &queue, nil)
        }
        guard status == 0 else { throw CLBlastError.call(function: "CLBlastSgemm", status: status) }
    }
}
