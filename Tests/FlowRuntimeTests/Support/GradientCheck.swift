import FlowRuntime
import FlowTestSupport
import Testing

/// Tolerance of a device gradient against central finite differences of the Double reference
/// forward, on the small shapes where these checks run (inputs O(1), sums of ≤ ~100 terms): the
/// float32 gradient is good to ~1e-6 and the Double finite difference to ~1e-9, so 1e-4 leaves wide
/// margin while a wrong formula (a missing term, a sign, a wrong index) is off by O(0.1).
let finiteDifferenceRtol = 1e-4
let finiteDifferenceAtol = 1e-4

/// Compares each device gradient with the finite-difference gradient of `loss` with respect to
/// the corresponding input array.
func expectGradients(
    _ device: [Tensor], matchFiniteDifferencesOf loss: ([[Double]]) -> Double, at inputs: [[Double]],
    names: [String], _ label: String, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let numeric = FiniteDifference.gradients(of: loss, at: inputs)
    for (index, gradient) in device.enumerated() {
        expectClose(
            try gradient.values(), numeric[index], rtol: finiteDifferenceRtol, atol: finiteDifferenceAtol,
            "\(label): ∂L/∂\(names[index]) vs finite differences", sourceLocation: sourceLocation)
    }
}
