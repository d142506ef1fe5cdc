import FlowCore

/// One kernel argument, in the order of the kernel's parameter list, as the ops write them;
/// `KernelDevice.launch` turns each into a `LaunchArgument` for the runtime.
package enum KernelArgument {
    case buffer(any DeviceBuffer)
    /// An optional buffer: when absent the device's placeholder is bound (the kernel checks a flag).
    case optionalBuffer((any DeviceBuffer)?)
    case int(Int)
    case float(Float)
    case uint(UInt32)
}
