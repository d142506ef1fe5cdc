/// What a device runs on, as its driver reports it (OpenCL's `CL_DEVICE_TYPE`): a GPU, a CPU
/// (the CPU backend, or an OpenCL driver for CPUs such as PoCL), or an accelerator. Scripts that
/// must pick out the GPUs (`scripts/gpu-check.sh`) read this instead of guessing from names.
public enum DeviceHardware: String, Sendable, Codable {
    case cpu
    case gpu
    case accelerator
    case other
}
