/// The contract every backend meets: memory, and the generic ops flows are made of. Ops a backend
/// may schedule its own way are optional capabilities beside it (`GemmGroupCapable`,
/// `GemmRowChainCapable`, `PermuteMatrixCapable`), each with a fallback in the Tensor layer.
///
/// Ops take raw buffers and sizes and assume their arguments were validated: callers use the
/// `Tensor` API, which checks shapes and devices and throws errors that name the op. Every output
/// buffer is written, never read unless the op says so (`beta ≠ 0`, in-place updates). Ops may be
/// queued asynchronously: only `read` and `synchronize` wait for the device.
///
/// Reductions use a fixed order with no floating-point atomics, so the same inputs give
/// bit-identical outputs on the same device from run to run.
public protocol Device: AnyObject, Sendable {
    var info: DeviceInfo { get }

    // MARK: Memory

    /// A buffer of at least `bytes` bytes, reused from the device's cache when possible.
    func makeBuffer(bytes: Int) throws -> any DeviceBuffer
    /// Copies host memory into the start of `buffer`.
    func write(_ source: UnsafeRawBufferPointer, to buffer: any DeviceBuffer) throws
    /// Copies the start of `buffer` into host memory; waits for queued work that writes it.
    func read(_ buffer: any DeviceBuffer, into destination: UnsafeMutableRawBufferPointer) throws
    /// Device-side copy of `elements` floats from `source[sourceOffset...]` to `destination[destinationOffset...]`.
    func copy(
        _ source: any DeviceBuffer, sourceOffset: Int, to destination: any DeviceBuffer,
        destinationOffset: Int, elements: Int) throws
    /// Waits until all queued work has finished.
    func synchronize() throws
    /// Bytes held by live buffers, and the peak since `resetPeakMemory` (activation-memory tests).
    var memoryUsage: MemoryUsage { get }
    func resetPeakMemory()

    // MARK: Dense algebra

    /// `buffer[0..<count] = value`.
    func fill(_ buffer: any DeviceBuffer, count: Int, value: Float) throws
    /// See `GemmSpec`. `bias`, when given, holds at least `offsetBias + n` values.
    func gemm(_ spec: GemmSpec, a: any DeviceBuffer, b: any DeviceBuffer, c: any DeviceBuffer, bias: (any DeviceBuffer)?)
        throws
    /// See `ConvGeometry`: `output = conv(input, weight) + bias`.
    func conv2d(
        _ geometry: ConvGeometry, input: any DeviceBuffer, weight: any DeviceBuffer, bias: (any DeviceBuffer)?,
        output: any DeviceBuffer) throws
    /// Gradient of `conv2d` with respect to its input.
    func conv2dBackwardData(
        _ geometry: ConvGeometry, gradOutput: any DeviceBuffer, weight: any DeviceBuffer, gradInput: any DeviceBuffer)
        throws
    /// Gradients of `conv2d` with respect to its weight and (when given) bias; both are overwritten.
    func conv2dBackwardWeights(
        _ geometry: ConvGeometry, input: any DeviceBuffer, gradOutput: any DeviceBuffer,
        gradWeight: any DeviceBuffer, gradBias: (any DeviceBuffer)?) throws

    // MARK: Flow ops

    /// Forward (`inverse == false`: `x` is the input, `y` the output) or inverse (`x` holds `y`,
    /// `y` receives `x`) affine coupling; `logDet[r]` receives `±Σ_j log s(h_rj)`.
    func coupling(
        _ spec: CouplingSpec, inverse: Bool, x: any DeviceBuffer, shift: any DeviceBuffer, rawScale: any DeviceBuffer,
        y: any DeviceBuffer, logDet: any DeviceBuffer) throws
    /// Backward of the forward coupling: given `x`, `t`, `h`, `∂L/∂y` and `∂L/∂logDet`, writes
    /// `∂L/∂x`, `∂L/∂t` and `∂L/∂h`.
    func couplingBackward(
        _ spec: CouplingSpec, x: any DeviceBuffer, shift: any DeviceBuffer, rawScale: any DeviceBuffer,
        gradY: any DeviceBuffer, gradLogDet: any DeviceBuffer,
        gradX: any DeviceBuffer, gradShift: any DeviceBuffer, gradRawScale: any DeviceBuffer) throws
    /// Forward (`inverse == false`) or inverse rational-quadratic spline (see `SplineSpec`); `x`
    /// holds the input (`y` for the inverse), `parameters` `3K − 1` values per element, and
    /// `logDet[r]` receives `±Σ_j log dy_rj/dx_rj`.
    func spline(
        _ spec: SplineSpec, inverse: Bool, x: any DeviceBuffer, parameters: any DeviceBuffer, y: any DeviceBuffer,
        logDet: any DeviceBuffer) throws
    /// Backward of the forward spline: given `x`, the parameters, `∂L/∂y` and `∂L/∂logDet`, writes
    /// `∂L/∂x` and `∂L/∂parameters` (zero for elements in the tails).
    func splineBackward(
        _ spec: SplineSpec, x: any DeviceBuffer, parameters: any DeviceBuffer, gradY: any DeviceBuffer,
        gradLogDet: any DeviceBuffer, gradX: any DeviceBuffer, gradParameters: any DeviceBuffer) throws
    /// Forward (`inverse == false`) or inverse Flow++ logistic-mixture CDF transformer (see
    /// `LogisticMixtureSpec`); `x` holds the input (`y` for the inverse), `parameters` `3K + 2`
    /// values per element, and `logDet[r]` receives `±Σ_j log dy_rj/dx_rj`.
    func logisticMixture(
        _ spec: LogisticMixtureSpec, inverse: Bool, x: any DeviceBuffer, parameters: any DeviceBuffer,
        y: any DeviceBuffer, logDet: any DeviceBuffer) throws
    /// Backward of the forward logistic mixture: given `x`, the parameters, `∂L/∂y` and
    /// `∂L/∂logDet`, writes `∂L/∂x` and `∂L/∂parameters`.
    func logisticMixtureBackward(
        _ spec: LogisticMixtureSpec, x: any DeviceBuffer, parameters: any DeviceBuffer, gradY: any DeviceBuffer,
        gradLogDet: any DeviceBuffer, gradX: any DeviceBuffer, gradParameters: any DeviceBuffer) throws
    /// ActNorm, per channel `c` of an `[outer, mid, inner]` view: forward `y = (x − loc_c)·exp(−logScale_c)`,
    /// inverse `y = x·exp(logScale_c) + loc_c`. The log-det (`−inner·Σ_c logScale_c` forward) is the
    /// same for every sample, so the Tensor layer computes it from the parameters.
    func channelAffine(
        _ view: AxisView, inverse: Bool, x: any DeviceBuffer, loc: any DeviceBuffer, logScale: any DeviceBuffer,
        y: any DeviceBuffer) throws
    /// Backward of forward ActNorm; `gradLogDet` holds `∂L/∂logDet_o` for each of the `outer` samples.
    func channelAffineBackward(
        _ view: AxisView, x: any DeviceBuffer, loc: any DeviceBuffer, logScale: any DeviceBuffer,
        gradY: any DeviceBuffer, gradLogDet: any DeviceBuffer,
        gradX: any DeviceBuffer, gradLoc: any DeviceBuffer, gradLogScale: any DeviceBuffer) throws
    /// PReLU with one learnable slope per channel: `y = x` for x ≥ 0, `slope_c · x` otherwise.
    func prelu(_ view: AxisView, x: any DeviceBuffer, slope: any DeviceBuffer, y: any DeviceBuffer) throws
    /// Backward of `prelu`: `∂L/∂x` and `∂L/∂slope_c = Σ_{x<0} dy · x`.
    func preluBackward(
        _ view: AxisView, x: any DeviceBuffer, slope: any DeviceBuffer, gradY: any DeviceBuffer,
        gradX: any DeviceBuffer, gradSlope: any DeviceBuffer) throws

    // MARK: Reductions

    /// `out[m] = Σ_{o, i} f(x[o, m, i])` with `f(x) = x` or `x²`.
    func reduceSum(_ view: AxisView, squared: Bool, x: any DeviceBuffer, out: any DeviceBuffer) throws
    /// Standard-normal log-density of each row: `out[r] = −½ Σ_j x_rj² − (columns/2)·log 2π`.
    func normalLogProb(rows: Int, columns: Int, x: any DeviceBuffer, out: any DeviceBuffer) throws

    // MARK: Elementwise and layout

    func unary(_ op: UnaryOp, count: Int, x: any DeviceBuffer, y: any DeviceBuffer) throws
    /// `dx = f'(x) · dy`; `y = f(x)` is passed too because several derivatives are cheapest from it.
    func unaryBackward(
        _ op: UnaryOp, count: Int, x: any DeviceBuffer, y: any DeviceBuffer, gradY: any DeviceBuffer,
        gradX: any DeviceBuffer) throws
    /// `c = a ∘ b` over an `[outer, mid, inner]` view; with `broadcastB`, `b` holds `mid` values.
    func binary(
        _ op: BinaryOp, view: AxisView, broadcastB: Bool, a: any DeviceBuffer, b: any DeviceBuffer,
        c: any DeviceBuffer) throws
    /// `dst[o, dstStart + j, i] = src[o, srcStart + j, i]` for `j < length`: the building block of
    /// concatenation and split along features or channels.
    func copySlab(
        outer: Int, inner: Int, length: Int,
        source: any DeviceBuffer, sourceMid: Int, sourceStart: Int,
        destination: any DeviceBuffer, destinationMid: Int, destinationStart: Int) throws
    /// 2×2 space-to-depth on `[batch, channels, height, width]` (even height and width):
    /// `out[b, 4c + 2dy + dx, i, j] = in[b, c, 2i + dy, 2j + dx]`; `inverse` undoes it
    /// (then `x` is the squeezed tensor and `channels`, `height`, `width` still describe the unsqueezed one).
    func squeeze2x2(
        batch: Int, channels: Int, height: Int, width: Int, inverse: Bool, x: any DeviceBuffer, y: any DeviceBuffer)
        throws
    /// `y[o, j, i] = x[o, indices[j], i]`; `indices` holds `view.mid` Int32 values.
    func gather(_ view: AxisView, x: any DeviceBuffer, indices: any DeviceBuffer, y: any DeviceBuffer) throws

    // MARK: Training and sampling

    /// One fused Adam/AdamW update of `count` parameters, in place on `param`, `m` and `v`.
    func adamStep(
        _ hyper: AdamHyper, count: Int, param: any DeviceBuffer, grad: any DeviceBuffer, m: any DeviceBuffer,
        v: any DeviceBuffer) throws
    /// Fills `count` values from the Philox-4x32-10 stream `(seed, counter)`: value `i` comes from
    /// counter block `counter + i/4` (see `Philox`). Identical on every device.
    func fillRandom(
        _ distribution: RandomDistribution, count: Int, seed: UInt64, counter: UInt64, buffer: any DeviceBuffer) throws
}
