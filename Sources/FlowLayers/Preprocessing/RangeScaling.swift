import FlowRuntime
import Foundation

/// Scaling from a known data range `[low, high)` to `[0, 1)` (the usual `x/256` of 8-bit images
/// after dequantization, Dinh et al. 2017, arXiv:1605.08803 §4.1), elementwise on any shape:
///
///     y = (x − low)/(high − low),   log|det J| = −D·ln(high − low)
///
/// counted so that densities of the scaled data stay comparable with the raw data's.
public final class RangeScaling: Bijector {
    public let name: String
    public let low: Float
    public let high: Float

    public init(name: String = "RangeScaling", low: Float, high: Float) throws {
        guard high > low, (high - low).isFinite else {
            throw FlowError.invalidArgument(op: "RangeScaling(\(name))", detail: "need low < high, got [\(low), \(high))")
        }
        self.name = name
        self.low = low
        self.high = high
    }

    public var parameters: [Parameter] { [] }

    struct Tape: BijectorTape {}

    private var width: Float { high - low }

    private func logDet(_ x: Tensor, sign: Double) throws -> Tensor {
        let dimensions = Double(x.batch == 0 ? 0 : x.count / x.batch)
        return try Tensor.full([x.batch], value: Float(-sign * dimensions * log(Double(high) - Double(low))), on: x.device)
    }

    public func forward(_ x: Tensor, context: Tensor?) throws -> (result: BijectorResult, tape: any BijectorTape) {
        let output = try x.affine(scale: 1 / width, shift: -low / width)
        return (BijectorResult(output: output, logDet: try logDet(x, sign: 1)), Tape())
    }

    public func inverse(_ z: Tensor, context: Tensor?) throws -> BijectorResult {
        BijectorResult(output: try z.affine(scale: width, shift: low), logDet: try logDet(z, sign: -1))
    }

    public func backward(_ tape: any BijectorTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients {
        _ = try self.tape(tape, as: Tape.self)
        return BijectorGradients(input: try gradOutput.scaled(by: 1 / width), context: nil)
    }
}
