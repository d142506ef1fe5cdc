/// Gradients of `Tensor.luWeightBackward`, one per trainable part (the strict triangles of
/// `lower` and `upper`, zero elsewhere, and `logS`).
public struct LUWeightGradients: Sendable {
    public var lower: Tensor
    public var upper: Tensor
    public var logS: Tensor
}

/// What `Tensor.luWeight` keeps for `luWeightBackward`: the parts, and on the fallback path the
/// factors it computed (a capable device recomputes what it needs inside its backward op).
public struct LUWeightTape: Sendable {
    public var parts: LUWeightParts
    public var batch: Int
    public var logDetScale: Float
    fileprivate var fallback: LUFallbackFactors?
}

extension Tensor {
    /// Glow's LU-parametrised weight `W = P · (L + I) · (U + diag(signs ⊙ exp(logS)))` (`[C, C]`),
    /// and `batch` copies of the log-det `logDetScale · Σ logS` (`logDetScale` is ± the positions
    /// per sample: H·W for images). A device that adopts `LUWeightCapable` does it in one op.
    public static func luWeight(
        _ parts: LUWeightParts, batch: Int, logDetScale: Float
    ) throws -> (weight: Tensor, logDet: Tensor, tape: LUWeightTape) {
        try luWeight(parts, batch: batch, logDetScale: logDetScale, usingCapability: true)
    }

    /// `luWeight` through the device's `LUWeightCapable` when it has one and `usingCapability` is
    /// true, else through the fallback that defines the op (the tests run both on every device).
    package static func luWeight(
        _ parts: LUWeightParts, batch: Int, logDetScale: Float, usingCapability: Bool
    ) throws -> (weight: Tensor, logDet: Tensor, tape: LUWeightTape) {
        try checkLU("luWeight", parts, batch: batch)
        let device = parts.lower.device
        if usingCapability, let capable = device as? any LUWeightCapable {
            let (weight, logDet) = (try Tensor.empty([parts.channels, parts.channels], on: device), try Tensor.empty([batch], on: device))
            try capable.luWeight(parts.buffers, batch: batch, logDetScale: logDetScale, weight: weight.buffer, logDet: logDet.buffer)
            return (weight, logDet, LUWeightTape(parts: parts, batch: batch, logDetScale: logDetScale, fallback: nil))
        }
        let factors = try LUFallbackFactors(parts)
        let total = try parts.logS.sum().unary(.scale(logDetScale))
        let weight = try factors.permutedLower.matmul(factors.upperFull)
        return (weight, try broadcastScalar(total, count: batch), LUWeightTape(parts: parts, batch: batch, logDetScale: logDetScale, fallback: factors))
    }

    /// The gradients of `luWeight`'s parts from those of its weight (`[C, C]`) and log-det
    /// (`[batch]`). Runs the way the forward ran (through the capability or the fallback).
    public static func luWeightBackward(_ tape: LUWeightTape, gradWeight: Tensor, gradLogDet: Tensor) throws -> LUWeightGradients {
        let (op, parts, logDetScale) = ("luWeightBackward", tape.parts, tape.logDetScale)
        try checkLU(op, parts, batch: tape.batch)
        try Validate.sameDevice(op, parts.lower, gradWeight, gradLogDet)
        try Validate.shape(op, "gradWeight", gradWeight, [parts.channels, parts.channels])
        try Validate.shape(op, "gradLogDet", gradLogDet, [tape.batch])
        let device = parts.lower.device
        guard let factors = tape.fallback else {
            guard let capable = device as? any LUWeightCapable else {
                throw FlowError.invalidArgument(op: op, detail: "the forward ran on a device with LUWeightCapable, the backward on one without")
            }
            let square = [parts.channels, parts.channels]
            let grads = LUWeightGradients(
                lower: try Tensor.empty(square, on: device), upper: try Tensor.empty(square, on: device),
                logS: try Tensor.empty([parts.channels], on: device))
            try capable.luWeightBackward(
                parts.buffers, batch: gradLogDet.count, logDetScale: logDetScale, gradWeight: gradWeight.buffer,
                gradLogDet: gradLogDet.buffer, gradLower: grads.lower.buffer, gradUpper: grads.upper.buffer, gradLogS: grads.logS.buffer)
            return grads
        }
        // What the op means, with G = ∂L/∂W: ∂(L + I) = Pᵀ G (U + diag d)ᵀ and ∂(U + diag d) =
        // (P (L + I))ᵀ G, each kept on its triangle; ∂logS = diag(∂(U + diag d)) ⊙ d plus the
        // log-det's share, logDetScale · Σ_b ∂L/∂logDet_b.
        let constants = factors.constants
        let gradLowerFull = try constants.permutation.matmul(gradWeight, transposeSelf: true).matmul(factors.upperFull, transposeOther: true)
        let gradUpperFull = try factors.permutedLower.matmul(gradWeight, transposeSelf: true)
        let gradDiagonal = try gradUpperFull.applying(.multiply, constants.identity).featureSum()
        let logDetTerm = try gradLogDet.sum().unary(.scale(logDetScale))
        return LUWeightGradients(
            lower: try gradLowerFull.applying(.multiply, constants.lowerMask),
            upper: try gradUpperFull.applying(.multiply, constants.upperMask),
            logS: try gradDiagonal.applying(.multiply, factors.diagonal).applying(.add, broadcastScalar(logDetTerm, count: parts.channels)))
    }

    private static func checkLU(_ op: String, _ parts: LUWeightParts, batch: Int) throws {
        let channels = parts.channels
        try Validate.positive(op, "channels", channels)
        try Validate.positive(op, "batch", batch)
        try Validate.sameDevice(op, parts.lower, parts.upper, parts.logS, parts.signs)
        guard parts.permutation.rowOrder.device === parts.lower.device else {
            throw FlowError.deviceMismatch(op: op, detail: "the permutation's indices are on another device than the factors")
        }
        for (name, tensor, shape) in [
            ("lower", parts.lower, [channels, channels]), ("upper", parts.upper, [channels, channels]),
            ("logS", parts.logS, [channels]), ("signs", parts.signs, [channels]),
        ] {
            try Validate.shape(op, name, tensor, shape)
        }
    }

    /// `[count]` copies of a one-element tensor, without reading it back.
    private static func broadcastScalar(_ scalar: Tensor, count: Int) throws -> Tensor {
        try Tensor.zeros([count, 1], on: scalar.device).applying(.add, scalar.reshaped([1])).reshaped([count])
    }
}

/// The fallback's factors: `P · (L + I)`, `U + diag(d)` and `d = signs ⊙ exp(logS)`, with the
/// fixed matrices they are built from.
private struct LUFallbackFactors: Sendable {
    var constants: LUConstants
    var permutedLower: Tensor
    var upperFull: Tensor
    var diagonal: Tensor

    init(_ parts: LUWeightParts) throws {
        constants = parts.permutation.constants
        permutedLower = try constants.permutation.matmul(parts.lower.applying(.multiply, constants.lowerMask).applying(.add, constants.identity))
        diagonal = try parts.logS.unary(.exp).applying(.multiply, parts.signs)
        upperFull = try parts.upper.applying(.multiply, constants.upperMask).applying(.add, constants.identity.applying(.multiply, diagonal))
    }
}
