import FlowRuntime

/// The rule that makes `Flow.logProb` of a finite input finite or −inf, never NaN.
///
/// A log-density is a sum of terms: each transform's log-det, evaluated where the transforms
/// before it left the sample, then the base density at the end. In exact arithmetic every term
/// is a number (or −∞ outside the model's support). NaN appears only where Float arithmetic has
/// left its range, and always after an infinity: `exp(±α)` of an unbounded MAF scale overflows,
/// the next block's network multiplies `inf` by weights of both signs (`inf − inf`), an infinite
/// scale meets a zero offset (`0 · inf`), a logit is taken of a value outside (0, 1). What such
/// a NaN then does depends on the device (OpenCL's `fmax(NaN, 0)` in a ReLU is 0, the CPU's
/// is NaN), so the answer must not wait for it. The rule acts where the range is left:
///
/// * A sample's state — the flow's input and every transform's output, the tensor the next
///   transform reads — is *in range* when its elements are finite and its squared norm `‖v‖²`
///   is a finite Float, i.e. `‖v‖ ≤ √FLT_MAX ≈ 1.8·10¹⁹`. Beyond that the standard normal's
///   `−½‖z‖²` is itself below −FLT_MAX/2, and a network fed such values can overflow in its
///   first products. A transform's log-det must be finite.
/// * A sample whose state or log-det leaves the range is settled: its log-density is −inf,
///   meaning *below what Float represents*, and the transforms after that point read zeros in
///   its place instead of infinities, so no later arithmetic is fed an inf. The answer depends
///   only on where the state left the range, so it is the same on every device (up to the
///   rounding of a state lying right at the boundary).
/// * Support is a separate question. A logit of a value outside its interval is NaN at the
///   logit's output, which the rule settles (density 0 → −inf). A dequantizer's levels or a
///   VAE's discrete decoder (`SupportRestricted`) evaluate their expressions for any real input,
///   as training's data gradients need; evaluation asks `Flow.dataInSupport` and answers −inf
///   outside.
///
/// Is −inf honest there? Where every transform's scales are bounded (RealNVP's and Glow's
/// `tanh` couplings, splines, MAF/IAF with `LogScaleBound.tanh`, NICE), `n` later transforms
/// can shrink a state by at most `e^{n·c}`, so a state beyond √FLT_MAX ends in a latent whose
/// `−½‖z‖²` is far below −FLT_MAX: the true log-density is below Float's range. With unbounded
/// MAF/IAF scales a later block could in principle shrink it back; the model's own arithmetic
/// cannot say, and −inf is the documented reading ("not representable in Float").
///
/// Cost: `Flow.logProb` first runs in `.watch` mode, which computes exactly what the plain
/// forward pass does plus one `normalLogProb` reduction per state (the flags, read back with
/// the answer), so in-range batches get bit-identical results. Only a batch with a flagged
/// sample runs again in `.enforce` mode, which reads every state back, settles samples, and
/// replaces their rows. Rows are independent in every transform evaluation uses (batch
/// normalisation only in evaluation mode), so the other samples' answers are unchanged.
public final class RangeMonitor {
    public enum Mode: Sendable { case watch, enforce }

    public let mode: Mode
    public let batch: Int
    /// `.watch`: per sample, the sum of `normalLogProb` over every state checked (see `isClear`).
    private var watched: Tensor?
    /// `.enforce`: the samples settled at −inf.
    public private(set) var settled: [Bool]

    public init(mode: Mode, batch: Int) {
        self.mode = mode
        self.batch = batch
        settled = Array(repeating: false, count: batch)
    }

    /// `transform`'s forward result under the rule: a staged transform checks between its own
    /// stages, any other transform's output is checked here (its input was checked by whoever
    /// produced it).
    public func forward(_ transform: any Bijector, _ x: Tensor, context: Tensor?) throws -> BijectorResult {
        if let staged = transform as? any StagedTransform { return try staged.forward(x, context: context, monitor: self) }
        let result = try transform.transform(x, context: context)
        // A permutation of checked entries is checked.
        return transform is any EntryPermuting ? result : try admit(result)
    }

    /// Checks a state that the next stage will read: `.watch` adds its flags, `.enforce`
    /// settles the samples out of range and returns the state with their rows zeroed.
    public func admit(_ state: Tensor) throws -> Tensor {
        try checkBatch(state)
        switch mode {
        case .watch:
            let logDensity = try state.normalLogProb()
            if let watched { try watched.accumulate(logDensity) } else { watched = logDensity }
            return state
        case .enforce:
            let values = try state.toArray()
            let width = state.batch == 0 ? 0 : state.count / state.batch
            for row in 0..<batch where !settled[row] && !Self.inRange(values[(row * width)..<((row + 1) * width)]) {
                settled[row] = true
            }
            return try zeroingSettled(state, values)
        }
    }

    /// A transform's result: its output as a state, and (`.enforce`) its log-det, which must be
    /// finite. (`.watch` needs no log-det check: a non-finite log-det makes the total non-finite.)
    public func admit(_ result: BijectorResult) throws -> BijectorResult {
        let output = try admit(result.output)
        return BijectorResult(output: output, logDet: try admitLogDet(result.logDet))
    }

    /// `.enforce`: settles the samples whose log-det `[B]` is not finite and zeroes the entries
    /// of every settled sample; `.watch`: the log-det as it is.
    public func admitLogDet(_ logDet: Tensor) throws -> Tensor {
        guard mode == .enforce else { return logDet }
        try checkBatch(logDet)
        let values = try logDet.toArray()
        for (row, value) in values.enumerated() where !value.isFinite { settled[row] = true }
        return try zeroingSettled(logDet, values)
    }

    /// `.watch`, with the batch's log-densities: true when no sample needs the rule (every
    /// answer finite, every state in range), so the answer
    /// stands as computed. Each flag is a sum of standard-normal log-densities, each at most
    /// `−½‖v‖²`: a state with `‖v‖² > FLT_MAX` drives it to −inf or below −FLT_MAX/2, whatever
    /// the device's summation (the CPU sums in Double), so −FLT_MAX/4 separates with margin. A
    /// false alarm (a sum of large in-range states) only costs the `.enforce` pass.
    public func isClear(_ logProb: Tensor) throws -> Bool {
        guard mode == .watch, try logProb.toArray().allSatisfy(\.isFinite) else { return false }
        guard let watched else { return true }
        return try watched.toArray().allSatisfy { $0 > -Float.greatestFiniteMagnitude / 4 }
    }

    /// `.enforce`, with the batch's log-densities: −inf for every settled sample, and for a NaN
    /// left by a base density of −inf meeting a log-det sum that overflowed to +inf (both beyond
    /// Float: the base term, the one that rules a Gaussian tail, wins).
    public func settle(_ logProb: Tensor) throws -> Tensor {
        var values = try logProb.toArray()
        var changed = false
        for row in values.indices where (row < batch && settled[row]) || values[row].isNaN {
            values[row] = -.infinity
            changed = true
        }
        return changed ? try Tensor(values, shape: logProb.shape, on: logProb.device) : logProb
    }

    /// Every element finite and `Σ v²` (in Double) at most FLT_MAX.
    static func inRange(_ row: ArraySlice<Float>) -> Bool {
        var squares = 0.0
        for value in row {
            guard value.isFinite else { return false }
            squares += Double(value) * Double(value)
        }
        return squares <= Double(Float.greatestFiniteMagnitude)
    }

    /// `tensor` with the rows of settled samples zero (a new tensor only when one is not yet).
    private func zeroingSettled(_ tensor: Tensor, _ values: [Float]) throws -> Tensor {
        let width = tensor.batch == 0 ? 0 : tensor.count / tensor.batch
        var values = values
        var changed = false
        for row in 0..<batch where settled[row] {
            for index in (row * width)..<((row + 1) * width) where values[index] != 0 || values[index].isNaN {
                values[index] = 0
                changed = true
            }
        }
        return changed ? try Tensor(values, shape: tensor.shape, on: tensor.device) : tensor
    }

    private func checkBatch(_ tensor: Tensor) throws {
        guard tensor.batch == batch else {
            throw FlowError.shapeMismatch(op: "RangeMonitor", detail: "a state of batch \(tensor.batch) for a monitor of batch \(batch)")
        }
    }
}
