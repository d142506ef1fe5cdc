import FlowRuntime

/// The fused Adam/AdamW step's op cases, written once for AdamTests and `flowkit check`: five
/// consecutive steps (t = 1…5, fresh gradients each) from m = v = 0 on element counts that are not
/// multiples of any vector width, each step against `Reference.adamStep` continued from the device
/// state, with `OpTolerance.adamMoments` for m and v and `adamRtol` / `adamParamAtol` for the
/// parameters (whose reasons AdamTests gives).
public struct AdamCase: Sendable, CustomStringConvertible {
    public var name: String
    public var hyper: AdamHyper
    public var description: String { name }

    public init(name: String, hyper: AdamHyper) {
        self.name = name
        self.hyper = hyper
    }

    public static let all: [AdamCase] = [
        AdamCase(name: "Adam defaults", hyper: AdamHyper(step: 1)),
        AdamCase(name: "AdamW λ=0.1", hyper: AdamHyper(learningRate: 1e-2, weightDecay: 0.1, decoupled: true, step: 1)),
        AdamCase(name: "L2 λ=0.1", hyper: AdamHyper(learningRate: 1e-2, weightDecay: 0.1, decoupled: false, step: 1)),
        AdamCase(
            name: "β=(0.8, 0.99), ε=1e-6",
            hyper: AdamHyper(learningRate: 3e-2, beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0.01, step: 1)),
    ]
    /// Element counts; each case draws them in turn from `random`.
    public static let counts = [1, 7, 257, 1000]

    /// The generator whose draws give a case's parameters and gradients, count after count.
    public static var random: SeededRandom { SeededRandom(seed: 91) }

    /// Five steps on `count` elements drawn from `rng`: m, v and the parameters after every step.
    public func steps(on d: TestDevice, count: Int, rng: inout SeededRandom) throws -> [OpComparison] {
        var param = rng.floats(count, in: -2...2)
        var m = [Double](repeating: 0, count: count)
        var v = m
        let (paramT, mT, vT) = (try d.tensor(param, [count]), try d.tensor(m, [count]), try d.tensor(v, [count]))
        var comparisons: [OpComparison] = []
        for step in 1...5 {
            var hyper = hyper
            hyper.step = step
            // Gradients of mixed scale, as in training: most O(1), some tiny.
            let grad = rng.floats(count).enumerated().map { $0.offset % 5 == 0 ? $0.element * 1e-4 : $0.element }.asFloats
            try Tensor.adamStep(param: paramT, grad: d.tensor(grad, [count]), m: mT, v: vT, hyper: hyper)
            // The reference continues from the device state, so each step is checked on its own.
            let expected = Reference.adamStep(hyper, param: param, grad: grad, m: m, v: v)
            let tolerance = OpTolerance.adamMoments(hyper, param: param, grad: grad, m: m, v: v)
            comparisons += [
                try OpComparison(op: "adam m step \(step)", mT, expected.m, rtol: 0, atol: tolerance.m),
                try OpComparison(op: "adam v step \(step)", vT, expected.v, rtol: 0, atol: tolerance.v),
                try OpComparison(
                    op: "adam param step \(step)", paramT, expected.param, rtol: OpTolerance.adamRtol, atol: OpTolerance.adamParamAtol),
            ]
            (param, m, v) = (try paramT.values(), try mT.values(), try vT.values())
        }
        return comparisons
    }
}
