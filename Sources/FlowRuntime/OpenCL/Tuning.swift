/// Kernel tuning values, passed to the compiler as `-D` options. The kernels carry the same
/// defaults (`Kernels/common.cl`); this table overrides them per device, matched by a substring
/// of the device name. Retuning a device is a data change here, not a kernel change.
struct Tuning: Equatable {
    var reductionGroupSize = 256
    var elementwiseGroupSize = 256
    var gemmTileM = 64
    var gemmTileN = 64
    var gemmTileK = 16
    var gemmWorkPerThreadM = 4
    var gemmWorkPerThreadN = 4

    /// Local size of the gemm kernels: one work-item per `WPTM × WPTN` block of the tile.
    var gemmLocal: (Int, Int) { (gemmTileN / gemmWorkPerThreadN, gemmTileM / gemmWorkPerThreadM) }

    /// The values as preprocessor definitions, one option each (the form NVRTC takes them in).
    var defines: [String] {
        ["-DWGS=\(reductionGroupSize)", "-DEW_WGS=\(elementwiseGroupSize)", "-DGEMM_TSM=\(gemmTileM)", "-DGEMM_TSN=\(gemmTileN)",
         "-DGEMM_TSK=\(gemmTileK)", "-DGEMM_WPTM=\(gemmWorkPerThreadM)", "-DGEMM_WPTN=\(gemmWorkPerThreadN)"]
    }

    /// The same definitions as one OpenCL build-options string.
    var buildOptions: String { defines.joined(separator: " ") }

    /// Per-device overrides: (name substring, adjustment). First match wins.
    private static let overrides: [(String, @Sendable (inout Tuning) -> Void)] = [
        // PoCL on CPUs: large work-groups cost more to schedule than they gain.
        ("pthread", { $0.reductionGroupSize = 64; $0.elementwiseGroupSize = 64 }),
    ]

    static func forDevice(named name: String, maxWorkGroupSize: Int) -> Tuning {
        var tuning = Tuning()
        if let match = overrides.first(where: { name.contains($0.0) }) { match.1(&tuning) }
        // Never ask for more work-items per group than the device allows.
        while tuning.reductionGroupSize > maxWorkGroupSize { tuning.reductionGroupSize /= 2 }
        while tuning.elementwiseGroupSize > maxWorkGroupSize { tuning.elementwiseGroupSize /= 2 }
        while tuning.gemmLocal.0 * tuning.gemmLocal.1 > maxWorkGroupSize, tuning.gemmWorkPerThreadM < tuning.gemmTileM {
            tuning.gemmWorkPerThreadM *= 2
        }
        return tuning
    }
}
