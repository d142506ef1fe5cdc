import FlowLayers
import FlowRuntime
import FlowTestSupport
import Foundation
import Testing

/// `Flow.logProb`'s range rule (`RangeMonitor`) at the layer level: in-range batches are computed
/// exactly as before, a sample whose state leaves Float's range or that lies outside a support
/// is −inf without touching the other samples of its batch, and the bounded MAF/IAF log-scale
/// keeps each block within its bound. Every case on every device.
struct NonFiniteInputTests {
    static let half = Float.greatestFiniteMagnitude / 2

    /// A three-block MAF whose MADEs have weights large enough that `exp(±α)` overflows a few
    /// units from the origin, as the trained MAF does a few radii from its ring.
    static func steepMAF(_ device: any Device, bound: LogScaleBound = .unbounded) throws -> Flow {
        var random = RandomStream(seed: 25)
        let maf = try MAF(features: 2, blocks: 3, hidden: 16, logScaleBound: bound, random: &random, on: device)
        try FlowTestHelpers.perturb(maf.parameters, scale: 0.5, random: &random)
        return Flow(transforms: [maf], base: StandardNormal(eventShape: [2]))
    }

    static let ordinary: [Float] = [0.3, -0.2, 1.1, 0.4, -0.7, -1.3, 0.05, 2.0]
    static let far: [Float] = [40, 40, -300, 25, 1e6, -1e6, half, half, -half, 3, 1e30, 0]

    /// With no sample out of range the answer is the plain forward pass's, bit for bit.
    @Test(arguments: TestDevices.all)
    func inRangeBatchesAreTheForwardPassBitForBit(_ d: TestDevice) throws {
        let flow = try Self.steepMAF(d.device)
        let x = try Tensor(Self.ordinary, shape: [4, 2], on: d.device)
        let plain = try flow.transform(x)
        let expected = try flow.base.logProb(plain.output, context: nil).adding(plain.logDet).toArray()
        let actual = try flow.logProb(x).toArray()
        #expect(actual.map(\.bitPattern) == expected.map(\.bitPattern), "\(actual) vs \(expected)")
        let finite = actual.allSatisfy(\.isFinite)
        #expect(finite)
    }

    /// Far points through the steep MAF: their states overflow inside the flow (the plain forward
    /// pass gives NaN for some), so they are −inf; the ordinary samples of the same batch get the
    /// values they get alone, bit for bit.
    @Test(arguments: TestDevices.all)
    func samplesOutOfRangeAreMinusInfinityAndLeaveTheOthersAlone(_ d: TestDevice) throws {
        let flow = try Self.steepMAF(d.device)
        let alone = try flow.logProb(Tensor(Self.ordinary, shape: [4, 2], on: d.device)).toArray()
        let mixed = Array(Self.ordinary[0..<4]) + Self.far + Array(Self.ordinary[4...])
        let answer = try flow.logProb(Tensor(mixed, shape: [mixed.count / 2, 2], on: d.device)).toArray()
        let plain = try flow.transform(Tensor(mixed, shape: [mixed.count / 2, 2], on: d.device))
        let unguarded = try flow.base.logProb(plain.output, context: nil).adding(plain.logDet).toArray()
        // The case is a real one: without the rule some of these are NaN.
        let overflows = unguarded.contains { $0.isNaN }
        #expect(overflows, "the steep MAF no longer overflows: \(unguarded)")
        let anyNaN = answer.contains { $0.isNaN }
        #expect(!anyNaN, "\(answer)")
        let farAnswers = answer[2..<(2 + Self.far.count / 2)]
        let finiteOrMinusInfinity = farAnswers.allSatisfy { $0.isFinite || $0 == -.infinity }
        let someMinusInfinity = farAnswers.contains(-.infinity)
        #expect(finiteOrMinusInfinity && someMinusInfinity, "\(farAnswers)")
        let kept = Array(answer[0..<2]) + Array(answer[(2 + Self.far.count / 2)...])
        #expect(kept.map(\.bitPattern) == alone.map(\.bitPattern), "\(kept) vs \(alone)")
    }

    /// A point whose squared norm exceeds FLT_MAX is out of range at the input already; one
    /// element of ±FLT_MAX/2 is enough, whatever the model.
    @Test(arguments: TestDevices.all)
    func inputsBeyondTheSquareRootOfFloatMaxAreMinusInfinity(_ d: TestDevice) throws {
        var random = RandomStream(seed: 4)
        let flow = try RealNVP(features: 2, layers: 4, hidden: 8).makeFlow(random: &random, on: d.device)
        try FlowTestHelpers.perturb(flow.parameters, scale: 0.5, random: &random)
        let x = try Tensor([Self.half, 0, -Self.half, -Self.half, 2e19, 1, 1e19, 1, 0.5, 0.5], shape: [5, 2], on: d.device)
        let answer = try flow.logProb(x).toArray()
        let minusInfinity: [Float] = [-.infinity, -.infinity, -.infinity]
        #expect(Array(answer[0..<3]) == minusInfinity, "\(answer)")
        // 1e19 is within √FLT_MAX ≈ 1.8e19: evaluated, to a number or to −inf where a state or
        // the base density underflows further on.
        #expect((answer[3].isFinite || answer[3] == -.infinity) && answer[4].isFinite, "\(answer)")
    }

    /// Values outside a transform's support have probability zero. The logit's interval: the
    /// rule settles its NaN at −inf (before: NaN), also for dequantized values out of the levels;
    /// a dequantizer's levels and a Bernoulli decoder's 0/1 are reported by `dataInSupport`,
    /// which evaluation applies (the expressions stay defined for real data).
    @Test(arguments: TestDevices.all)
    func valuesOutsideASupportAreMinusInfinity(_ d: TestDevice) throws {
        let device = d.device
        let dequantized = Flow(
            transforms: [try UniformDequantization(levels: 4, noise: RandomStream(seed: 1)), try LogitTransform(alpha: 0.05)],
            base: StandardNormal(eventShape: [1, 2, 2]))
        // Levels 8 and −3 dequantize beyond [0, 1) whatever the noise, so the logit sees them.
        let images = try Tensor([0, 1, 2, 3, /* */ 0, 1, 2, 8, /* */ -3, 0, 0, 0, /* */ 3, 3, 1e6, 3], shape: [4, 1, 2, 2], on: device)
        let levels = try dequantized.logProb(images).toArray()
        let threeMinusInfinity: [Float] = [-.infinity, -.infinity, -.infinity]
        let twoMinusInfinity: [Float] = [-.infinity, -.infinity]
        #expect(levels[0].isFinite && Array(levels[1...]) == threeMinusInfinity, "\(levels)")

        let logit = Flow(transforms: [try LogitTransform(alpha: 0.05)], base: StandardNormal(eventShape: [2]))
        let unit = try logit.logProb(Tensor([0.2, 0.9, 1.5, 0.5, -0.2, 0.5], shape: [3, 2], on: device)).toArray()
        #expect(unit[0].isFinite && Array(unit[1...]) == twoMinusInfinity, "\(unit)")

        var random = RandomStream(seed: 9)
        let vae = try VariationalAutoencoder(
            dataShape: [3], latent: 2, encoderHidden: [8], decoderHidden: [8], observation: BernoulliObservation(),
            noise: RandomStream(seed: 2), random: &random, on: device)
        let bernoulli = Flow(transforms: [vae], base: StandardNormal(eventShape: [2]))
        // The decoder's expression is evaluated for real data (its data gradient needs that), so
        // the support is a separate question that evaluation asks (`Evaluator`).
        let data = try Tensor([1, 0, 1, 0.5, 0, 1, 0, 0, 7], shape: [3, 3], on: device)
        #expect(try bernoulli.dataInSupport(data) == [true, false, false])
        #expect(try dequantized.dataInSupport(images) == [true, false, false, false])
    }

    /// A model whose parameters are not finite has no density anywhere: its NaN stands, rather
    /// than a −inf that would read as "this point is unlikely".
    @Test(arguments: TestDevices.all)
    func nonFiniteParametersAnswerNaN(_ d: TestDevice) throws {
        let flow = try Self.steepMAF(d.device)
        let poisoned = try #require(flow.parameters.last)
        poisoned.value = try Tensor.full(poisoned.shape, value: .nan, on: d.device)
        let answer = try flow.logProb(Tensor(Self.ordinary, shape: [4, 2], on: d.device)).toArray()
        let allNaN = answer.allSatisfy(\.isNaN)
        #expect(allNaN, "\(answer)")
    }

    /// The soft clamp: every block's log-det stays within `c·D` even where the unbounded blocks'
    /// exceed it by far, and points a few hundred units out keep finite log-densities (the
    /// unbounded model's overflow there).
    @Test(arguments: TestDevices.all)
    func boundedLogScaleKeepsEveryBlockWithinItsBound(_ d: TestDevice) throws {
        let bound: Float = 2
        let bounded = try Self.steepMAF(d.device, bound: .tanh(bound))
        let unbounded = try Self.steepMAF(d.device)
        let x = try Tensor([40, 40, -300, 25, 3, 100, 0.3, -0.2], shape: [4, 2], on: d.device)
        func blockLogDets(_ flow: Flow) throws -> [Float] {
            let maf = try #require(flow.chain.transforms.first as? MAF)
            var current = x
            var logDets: [Float] = []
            for transform in maf.chain.transforms {
                let result = try transform.transform(current)
                if transform is AutoregressiveAffine { logDets += try result.logDet.toArray() }
                current = result.output
            }
            return logDets
        }
        let limit = bound * 2 * (1 + 1e-6)
        let (boundedLogDets, unboundedLogDets) = (try blockLogDets(bounded), try blockLogDets(unbounded))
        let withinBound = boundedLogDets.allSatisfy { abs($0) <= limit }
        let beyondBound = unboundedLogDets.contains { !(abs($0) <= limit) }
        #expect(withinBound && beyondBound, "\(boundedLogDets) vs \(unboundedLogDets)")
        let (answer, unboundedAnswer) = (try bounded.logProb(x).toArray(), try unbounded.logProb(x).toArray())
        let finite = answer.allSatisfy(\.isFinite)
        let unboundedFinite = unboundedAnswer.allSatisfy(\.isFinite)
        #expect(finite && !unboundedFinite, "\(answer) vs \(unboundedAnswer)")
    }

    /// The bounded log-scale through MAF's incremental inverse (ReLU MADE) agrees with the plain
    /// recursion, and inverts the forward pass.
    @Test(arguments: TestDevices.all)
    func boundedIncrementalInverseMatchesPlainRecursionAndInverts(_ d: TestDevice) throws {
        var random = RandomStream(seed: 31)
        let made = try MADE(name: "made", features: 5, hidden: [16, 12], random: &random, on: d.device)
        try FlowTestHelpers.perturb(made.parameters, scale: 1, random: &random)
        let transform = AutoregressiveAffine(conditioner: made, direction: .masked, logScaleBound: try .tanh(0.5))
        let z = try random.next([9, 5], .normal, on: d.device)
        let fast = try transform.inverse(z, context: nil)
        transform.useIncrementalInverse = false
        let plain = try transform.inverse(z, context: nil)
        let back = try transform.transform(fast.output)
        for (name, a, b) in [
            ("samples", fast.output, plain.output), ("log-det", fast.logDet, plain.logDet), ("round trip", back.output, z),
            ("log-dets", back.logDet, try fast.logDet.scaled(by: -1)),
        ] {
            let (actual, expected) = (try a.toArray(), try b.toArray())
            let worst = zip(actual, expected).map { abs(Double($0) - Double($1)) / max(1, abs(Double($1))) }.max() ?? .infinity
            #expect(worst <= 1e-4, "\(name) differ by \(worst)")
        }
        // Every |α| < c, so the log-det of 5 features is within 2.5.
        let logDets = try fast.logDet.toArray()
        let bounded = logDets.allSatisfy { abs($0) < 2.5 }
        #expect(bounded, "\(logDets)")
    }

    /// IAF's density direction solves for `z` in passes whose not-yet-exact units may overflow;
    /// their NaN (`0 · inf` through masked weights) must not reach a point whose solution is
    /// ordinary: the model's own samples get the log-densities sampling reported (before: NaN).
    @Test(arguments: TestDevices.all)
    func iafSamplesGetTheirSampledLogDensities(_ d: TestDevice) throws {
        var random = RandomStream(seed: 2024)
        let transform = AutoregressiveAffine(
            conditioner: try WaveNet(name: "wavenet", channels: 3, hidden: 8, random: &random, on: d.device), direction: .inverse)
        try FlowTestHelpers.perturb(transform.parameters, scale: 0.2, random: &random)
        let flow = Flow(transforms: [transform], base: StandardNormal(eventShape: [3, 8]))
        let (samples, sampled) = try flow.sampleAndLogProb(64, random: &random, on: d.device)
        let plain = try flow.transform(samples)
        let unguarded = try flow.base.logProb(plain.output, context: nil).adding(plain.logDet).toArray()
        // On the CPU the plain passes give NaN for some samples (OpenCL's fmax-based ReLU may
        // swallow that NaN, which is why the answer must not depend on it).
        let overflows = unguarded.contains { $0.isNaN }
        #expect(overflows || d.info.kind != .cpu, "no sample's provisional passes overflow any more: \(unguarded)")
        let (answer, expected) = (try flow.logProb(samples).toArray(), try sampled.toArray())
        let worst = zip(answer, expected).map { abs(Double($0) - Double($1)) / max(1, abs(Double($1))) }.max() ?? .infinity
        let finite = answer.allSatisfy(\.isFinite)
        #expect(finite && worst <= 1e-4, "worst relative difference \(worst): \(answer) vs \(expected)")
    }

    @Test func logScaleBoundRefusesNonPositiveBounds() {
        for bad: Float in [0, -1, .infinity, .nan] {
            #expect(throws: FlowError.self) { _ = try LogScaleBound.tanh(bad) }
        }
    }

    /// A discretised-logistic decoder with a scale of e³⁰ bins: the interior term is log 0, which
    /// the edge levels used to multiply by their mask's 0 (NaN); they get their finite edge mass.
    @Test(arguments: TestDevices.all)
    func discretizedLogisticEdgeLevelsStayFiniteAtHugeScales(_ d: TestDevice) throws {
        let observation = try DiscretizedLogisticObservation(levels: 17)
        let data = try Tensor([0, 16, 0, 16], shape: [2, 2], on: d.device)
        let parameters = try Tensor([0, 0, 30, 30, 0.5, -0.5, 30, 30], shape: [2, 4], on: d.device)
        let (logLikelihood, _) = try observation.logLikelihood(data, parameters: parameters)
        let values = try logLikelihood.toArray()
        // Each edge level holds half the mass of a logistic that wide: 2·log ½ per example.
        let edgeMass = values.allSatisfy { abs(Double($0) - 2 * log(0.5)) < 1e-3 }
        #expect(edgeMass, "\(values)")
    }
}
