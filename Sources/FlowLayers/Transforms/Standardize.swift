import FlowRuntime
import Foundation

/// Fixed per-feature standardisation `y = (x − mean) / std`, with `log|det J| = −Σ log std`
/// (per position for images). Placed at the front of a model trained on standardised data, it
/// keeps densities in the units of the data as given; its statistics are saved with the model
/// (they are not trained).
public final class Standardize: Bijector {
    public let name: String
    public private(set) var mean: Tensor
    public private(set) var logStd: Tensor

    /// `std` values must be positive.
    public init(name: String = "standardize", mean: [Float], std: [Float], on device: any Device) throws {
        guard mean.count == std.count, !mean.isEmpty else {
            throw FlowError.shapeMismatch(op: "Standardize(\(name))", detail: "\(mean.count) means for \(std.count) deviations")
        }
        if let bad = std.firstIndex(where: { !($0 > 0) || !$0.isFinite }) {
            throw FlowError.invalidArgument(op: "Standardize(\(name))", detail: "feature \(bad) has standard deviation \(std[bad]); it must be positive")
        }
        self.name = name
        self.mean = try Tensor(mean, shape: [mean.count], on: device)
        logStd = try Tensor(std.map { Float(Foundation.log(Double($0))) }, shape: [std.count], on: device)
    }

    public var parameters: [Parameter] { [] }

    struct Tape: BijectorTape { var input: Tensor }

    public func forward(_ x: Tensor, context: Tensor?) throws -> (result: BijectorResult, tape: any BijectorTape) {
        let (output, logDet) = try x.actNorm(loc: mean, logScale: logStd)
        return (BijectorResult(output: output, logDet: logDet), Tape(input: x))
    }

    public func inverse(_ z: Tensor, context: Tensor?) throws -> BijectorResult {
        let (output, logDet) = try z.actNorm(loc: mean, logScale: logStd, inverse: true)
        return BijectorResult(output: output, logDet: logDet)
    }

    public func backward(_ tape: any BijectorTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients {
        let tape = try self.tape(tape, as: Tape.self)
        let grads = try Tensor.actNormBackward(input: tape.input, loc: mean, logScale: logStd, gradOutput: gradOutput, gradLogDet: gradLogDet)
        return BijectorGradients(input: grads.input, context: nil)
    }
}

extension Standardize: StatefulTransform {
    public func exportState() throws -> [String: TransformStateValue] {
        ["mean": .values(try mean.toArray()), "logStd": .values(try logStd.toArray())]
    }

    public func importState(_ state: [String: TransformStateValue]) throws {
        guard case let .values(newMean)? = state["mean"], case let .values(newLogStd)? = state["logStd"],
            newMean.count == mean.count, newLogStd.count == logStd.count
        else {
            throw FlowError.shapeMismatch(op: "Standardize(\(name)).importState", detail: "expected mean and logStd of \(mean.count) values")
        }
        mean = try Tensor(newMean, shape: mean.shape, on: mean.device)
        logStd = try Tensor(newLogStd, shape: logStd.shape, on: logStd.device)
    }
}
