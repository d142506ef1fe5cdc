import FlowCore
import Foundation

/// The CPU's bits follow from OpenBLAS's kernels (the family the library picked for this CPU, and
/// the build), the C library's `exp`, `log` and `tanh`, and how reductions are cut. Not from the
/// thread count: every op cuts its work by the problem's shape (`FixedSplit`).
extension CPUDevice: NumericsDescribing {
    /// Bumped whenever a CPU op cuts a reduction differently or adds its partial sums in another order.
    static let reductionScheme = "cpu-shape-1"

    public var numericsFingerprint: NumericsFingerprint {
        NumericsFingerprint(
            deviceKind: info.kind.rawValue, deviceName: info.name, blasKernels: BLASCore.current, blasLibrary: BLASCore.library,
            mathLibrary: Self.cLibrary(), reductionScheme: Self.reductionScheme)
    }

    private static func cLibrary() -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        let length = confstr(Int32(_CS_GNU_LIBC_VERSION), &buffer, buffer.count)
        guard length > 0, length <= buffer.count else { return "unknown" }
        return String(decoding: buffer.prefix(length - 1).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
