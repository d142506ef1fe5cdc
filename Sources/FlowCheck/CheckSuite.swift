import FlowRuntime
import Foundation

/// The conformance suite `flowkit check` runs on a device: every kernel file builds (on OpenCL and
/// CUDA devices, and as CUDA C++ via NVRTC when available), every op of the `Device` protocol on
/// awkward shapes against the Double references with the tests' tolerances, the RNG streams,
/// determinism, and a short training run of each preset family.
///
/// Each device is compared with the exact (Double) reference rather than with the CPU device's
/// float results: the tests' tolerances bound the distance to the exact value, so that is the
/// comparison in which they mean what the tests mean. The CPU is checked the same way, so a
/// device that passes agrees with the CPU to within the sum of two such bounds; where the
/// contract promises bit-identity (the RNG streams) the device is compared with the CPU directly.
public struct CheckSuite: Sendable {
    public var perturbation: Perturbation?
    /// Whether to compile the kernels to PTX with NVRTC (for non-CPU devices).
    public var includeNVRTC: Bool
    /// The sections to run (nil: all of them).
    public var sections: Set<String>?

    /// The sections, in the order they run: kernel builds first, so a driver that cannot build
    /// a kernel says so before the ops that need it fail.
    public static let sectionNames = ["kernels", "ops", "rng", "determinism", "training"]

    public init(perturbation: Perturbation? = nil, includeNVRTC: Bool = true, sections: Set<String>? = nil) {
        self.perturbation = perturbation
        self.includeNVRTC = includeNVRTC
        self.sections = sections
    }

    /// Runs every section on `device`; `progress` hears the name of each section as it starts.
    public func run(on device: any Device, progress: (String) -> Void = { _ in }) throws -> DeviceReport {
        let start = Date()
        let recorder = CheckRecorder(device: device, perturbation: perturbation)
        let cpu = try DeviceRegistry.device(named: "cpu")
        let sections: [(String, (CheckRecorder) -> Void)] = [
            (
                "kernels",
                { r in
                    KernelBuildChecks.runOnDevice(r)
                    if includeNVRTC && r.device.info.kind != .cpu { KernelBuildChecks.runNVRTC(r) }
                }
            ),
            (
                "ops",
                { r in
                    GemmChecks.run(r)
                    LinearChecks.run(r)
                    ConvChecks.run(r)
                    CouplingChecks.run(r)
                    MLPCouplingChecks.run(r)
                    ChannelCouplingChecks.run(r)
                    SplineChecks.run(r)
                    MixtureChecks.run(r)
                    ChannelChecks.run(r)
                    LUWeightChecks.run(r)
                    ReduceChecks.run(r)
                    ElementwiseChecks.run(r)
                    LayoutChecks.run(r)
                    AdamChecks.run(r)
                }
            ),
            ("rng", { r in RandomChecks.run(r, cpu: cpu) }),
            (
                "determinism",
                { r in
                    DeterminismChecks.run(r)
                    TrainingChecks.determinism(r)
                }
            ),
            ("training", { r in TrainingChecks.run(r) }),
        ]
        for (name, body) in sections where self.sections?.contains(name) ?? true {
            progress(name)
            recorder.section = name
            body(recorder)
        }
        return DeviceReport(device: device.info, rows: recorder.rows, seconds: Date().timeIntervalSince(start))
    }
}
