/// A device whose ops are kernel launches and that counts them (OpenCL, CUDA). On a GPU a small
/// flow's step costs about as much per launch as per arithmetic, so `flowkit bench` reports the
/// launches of a training step, a `logProb` and a sampling call next to their throughput.
public protocol KernelLaunchCounting: Device {
    /// Kernels enqueued on this device since it was opened.
    var kernelLaunches: Int { get }
    /// The same, per kernel name (`gemm_nn`, `coupling_fwd`, …): where the launches go.
    var kernelLaunchesByKernel: [String: Int] { get }
}
