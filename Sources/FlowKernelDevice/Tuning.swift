/// Kernel tuning values, passed to the compiler as `-D` options. The kernels carry the same
/// defaults (`Kernels/common.cl`); this table overrides them per device, matched by a substring
/// of the device name. Retuning a device is a data change here, not a kernel change.
package struct Tuning: Equatable, Sendable {
    package var reductionGroupSize = 256
    package var elementwiseGroupSize = 256
    package var gemmTileM = 64
    package var gemmTileN = 64
    package var gemmTileK = 16
    package var gemmWorkPerThreadM = 4
    package var gemmWorkPerThreadN = 4
    /// Pixels per sample from which a pointwise (1×1) convolution runs as one batched gemm on
    /// NCHW (one launch) rather than im2col, a wide gemm and a layout change (three). The batched
    /// product gives each sample its own tiles, so images smaller than a tile leave most of each
    /// tile idle. On a GPU that idle arithmetic costs less than the two launches it saves (a
    /// judgement: no GPU has measured it yet), so the default is 1; PoCL sets the tile width.
    package var pointwiseConvMinPixels = 1

    /// The kernels' own defaults; `forDevice` adjusts them.
    package init() {}

    /// Local size of the gemm kernels: one work-item per `WPTM × WPTN` block of the tile.
    package var gemmLocal: (Int, Int) { (gemmTileN / gemmWorkPerThreadN, gemmTileM / gemmWorkPerThreadM) }

    /// The values as preprocessor definitions, one option each (the form NVRTC takes them in).
    package var defines: [String] {
        [
            "-DWGS=\(reductionGroupSize)", "-DEW_WGS=\(elementwiseGroupSize)", "-DGEMM_TSM=\(gemmTileM)", "-DGEMM_TSN=\(gemmTileN)",
            "-DGEMM_TSK=\(gemmTileK)", "-DGEMM_WPTM=\(gemmWorkPerThreadM)", "-DGEMM_WPTN=\(gemmWorkPerThreadN)",
        ]
    }

    /// Per-device overrides: (name substring, adjustment). First match wins.
    private static let overrides: [(String, @Sendable (inout Tuning) -> Void)] = [
        ("pthread", poclOnCPU),
        ("cpu-", poclOnCPU),
    ]

    /// PoCL on CPUs (its device names start "pthread-" or, from PoCL 4, "cpu-"): large
    /// work-groups cost more to schedule than they gain, and idle work-items cost time. The gemm keeps its 64×64 tile but gives
    /// each work-item 16×8 outputs (32 work-items a group instead of 256): PoCL runs a group's
    /// work-items as loops on one thread and keeps what lives across a barrier in memory, so fewer,
    /// larger work-items cost less. Measured on PoCL 3.1 against the default 4×4, in turn: 2–5×
    /// faster at the bench's three shapes and the 3×3 convolution's product (README, Performance).
    private static let poclOnCPU: @Sendable (inout Tuning) -> Void = {
        $0.reductionGroupSize = 64
        $0.elementwiseGroupSize = 64
        $0.gemmWorkPerThreadM = 16
        $0.gemmWorkPerThreadN = 8
        // Measured on an 8×8 Glow (4×4 and 2×2 images after the squeezes), PoCL 3.1: the batched 1×1
        // convolution made training ×0.86–0.89 as fast, since each sample's 16 or 4 pixels fill
        // a quarter or less of a 64-wide tile and PoCL pays for the idle work-items.
        $0.pointwiseConvMinPixels = $0.gemmTileN
    }

    package static func forDevice(named name: String, maxWorkGroupSize: Int) -> Tuning {
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
