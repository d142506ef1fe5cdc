import FlowLayers
import FlowRuntime
import FlowTestSupport
import Foundation
import Testing

/// Something with an autoregressive structure over its event: how to build it, and the position
/// of each input and output element in the autoregressive order (its unit).
struct AutoregressiveSubject: CustomStringConvertible, Sendable {
    let name: String
    let eventShape: [Int]
    var contextFeatures = 0
    /// The conditioner, or the transform built on it (then `transform` is set).
    let build: @Sendable (any Device, inout RandomStream) throws -> (conditioner: any AutoregressiveConditioner, transform: AutoregressiveAffine?)
    /// Unit of each input element, and of each output element, in event order.
    let inputUnits: @Sendable (any AutoregressiveConditioner) -> [Int]
    let outputUnits: @Sendable (any AutoregressiveConditioner) -> [Int]

    var description: String { name }

    /// MADE orders features by degree; μ and α of a feature share its degree.
    static func made(
        _ name: String, features: Int, contextFeatures: Int = 0, degrees: MADEDegrees.Assignment, direction: AutoregressiveDirection? = nil,
        outputsPerFeature: Int = 2, outputLayout: MADEDegrees.OutputLayout = .parameterMajor
    ) -> AutoregressiveSubject {
        AutoregressiveSubject(
            name: name, eventShape: [features], contextFeatures: contextFeatures,
            build: { device, random in
                let made = try MADE(
                    name: "made", features: features, hidden: [9, 7], contextFeatures: contextFeatures, degrees: degrees,
                    outputsPerFeature: outputsPerFeature, outputLayout: outputLayout, random: &random, on: device)
                return (made, direction.map { AutoregressiveAffine(conditioner: made, direction: $0) })
            },
            inputUnits: { ($0 as! MADE).degrees.input.map { $0 - 1 } },
            outputUnits: { conditioner in
                let degrees = (conditioner as! MADE).degrees
                return (direction == nil ? degrees.output : degrees.input).map { $0 - 1 }
            })
    }

    /// Convolutional conditioners order positions (pixels in raster order, time steps); every
    /// channel of a position belongs to its unit.
    static func convolutional(
        _ name: String, eventShape: [Int], contextFeatures: Int = 0, direction: AutoregressiveDirection? = nil,
        _ make: @escaping @Sendable (any Device, inout RandomStream) throws -> any AutoregressiveConditioner
    ) -> AutoregressiveSubject {
        let positions = eventShape.dropFirst().reduce(1, *)
        let channels = eventShape[0]
        return AutoregressiveSubject(
            name: name, eventShape: eventShape, contextFeatures: contextFeatures,
            build: { device, random in
                let conditioner = try make(device, &random)
                return (conditioner, direction.map { AutoregressiveAffine(conditioner: conditioner, direction: $0) })
            },
            inputUnits: { _ in (0..<(channels * positions)).map { $0 % positions } },
            outputUnits: { _ in (0..<((direction == nil ? 2 : 1) * channels * positions)).map { $0 % positions } })
    }

    static let all: [AutoregressiveSubject] = [
        made("MADE sequential", features: 6, degrees: .sequential),
        made("MADE random degrees", features: 6, degrees: .random),
        made("MADE with context", features: 5, contextFeatures: 3, degrees: .sequential),
        // nsf-ar's MADE: a spline's 3K − 1 parameters per feature, feature by feature.
        made(
            "MADE spline outputs, random degrees, context", features: 5, contextFeatures: 2, degrees: .random, outputsPerFeature: 11,
            outputLayout: .featureMajor),
        convolutional("PixelCNN", eventShape: [2, 3, 4]) { device, random in
            try PixelCNN(name: "pixelcnn", channels: 2, hidden: 5, layers: 3, random: &random, on: device)
        },
        convolutional("PixelCNN 5×5 with context", eventShape: [1, 4, 3], contextFeatures: 2) { device, random in
            try PixelCNN(name: "pixelcnn", channels: 1, hidden: 4, kernel: 5, contextFeatures: 2, random: &random, on: device)
        },
        convolutional("WaveNet", eventShape: [2, 7]) { device, random in
            try WaveNet(name: "wavenet", channels: 2, hidden: 5, layers: 3, random: &random, on: device)
        },
        convolutional("WaveNet kernel 3 with context", eventShape: [3, 6], contextFeatures: 2) { device, random in
            try WaveNet(name: "wavenet", channels: 3, hidden: 4, layers: 2, kernel: 3, contextFeatures: 2, random: &random, on: device)
        },
        made("MAF block (MADE)", features: 6, degrees: .sequential, direction: .masked),
        made("IAF block (MADE, random degrees)", features: 6, degrees: .random, direction: .inverse),
        made("IAF block (MADE) with context", features: 5, contextFeatures: 2, degrees: .sequential, direction: .inverse),
        convolutional("MAF block (PixelCNN)", eventShape: [2, 3, 3], direction: .masked) { device, random in
            try PixelCNN(name: "pixelcnn", channels: 2, hidden: 4, random: &random, on: device)
        },
        convolutional("IAF block (PixelCNN)", eventShape: [2, 3, 3], direction: .inverse) { device, random in
            try PixelCNN(name: "pixelcnn", channels: 2, hidden: 4, random: &random, on: device)
        },
        convolutional("MAF block (WaveNet)", eventShape: [2, 6], direction: .masked) { device, random in
            try WaveNet(name: "wavenet", channels: 2, hidden: 4, random: &random, on: device)
        },
        convolutional("IAF block (WaveNet) with context", eventShape: [2, 6], contextFeatures: 2, direction: .inverse) { device, random in
            try WaveNet(name: "wavenet", channels: 2, hidden: 4, contextFeatures: 2, random: &random, on: device)
        },
    ]
}

/// A flow to sample from and evaluate, for the agreement of the sequential and one-pass directions.
struct AutoregressiveFlowCase: CustomStringConvertible, Sendable {
    let name: String
    let eventShape: [Int]
    var contextFeatures = 0
    let build: @Sendable (any Device, inout RandomStream) throws -> any Bijector
    var description: String { name }

    static let all: [AutoregressiveFlowCase] = [
        AutoregressiveFlowCase(name: "MAF (W2 layout, D 8)", eventShape: [8]) { device, random in
            try MAF(features: 8, blocks: 5, hidden: 32, random: &random, on: device)
        },
        AutoregressiveFlowCase(name: "MAF random degrees with context", eventShape: [6], contextFeatures: 3) { device, random in
            try MAF(features: 6, blocks: 3, hidden: 16, contextFeatures: 3, degrees: .random, random: &random, on: device)
        },
        AutoregressiveFlowCase(name: "IAF (W2 layout, D 8)", eventShape: [8]) { device, random in
            try IAF(features: 8, blocks: 5, hidden: 32, random: &random, on: device)
        },
        AutoregressiveFlowCase(name: "IAF with context", eventShape: [6], contextFeatures: 3) { device, random in
            try IAF(features: 6, blocks: 3, hidden: 16, contextFeatures: 3, random: &random, on: device)
        },
        AutoregressiveFlowCase(name: "MAF PixelCNN", eventShape: [2, 4, 4]) { device, random in
            try AutoregressiveAffine(conditioner: PixelCNN(name: "pixelcnn", channels: 2, hidden: 8, random: &random, on: device))
        },
        AutoregressiveFlowCase(name: "IAF PixelCNN", eventShape: [2, 4, 4]) { device, random in
            try AutoregressiveAffine(
                conditioner: PixelCNN(name: "pixelcnn", channels: 2, hidden: 8, random: &random, on: device), direction: .inverse)
        },
        AutoregressiveFlowCase(name: "MAF WaveNet with context", eventShape: [3, 8], contextFeatures: 2) { device, random in
            try AutoregressiveAffine(conditioner: WaveNet(name: "wavenet", channels: 3, hidden: 8, contextFeatures: 2, random: &random, on: device))
        },
        AutoregressiveFlowCase(name: "IAF WaveNet", eventShape: [3, 8]) { device, random in
            try AutoregressiveAffine(conditioner: WaveNet(name: "wavenet", channels: 3, hidden: 8, random: &random, on: device), direction: .inverse)
        },
    ]
}

@Suite struct AutoregressiveTests {
    static let batch = 2

    /// Output elements whose unit is at most `through` (or below it) must be bitwise unaffected by
    /// a change of unit `perturbed`: masked weights are exact zeros. Allowed: 1e-6 relative, for
    /// backends whose sums might reassociate.
    static func unchanged(_ a: Float, _ b: Float) -> Bool { abs(Double(a) - Double(b)) <= 1e-6 * max(1, abs(Double(a))) }

    /// The autoregressive property: perturbing the input at unit `u` leaves every conditioner
    /// output at units ≤ `u` unchanged (strictly lower-triangular Jacobian), and every transform
    /// output at units < `u` unchanged while changing the outputs at `u` (lower-triangular with a
    /// nonzero diagonal). Also checks that later outputs do react, so the test is not vacuous.
    @Test(arguments: TestDevices.all, AutoregressiveSubject.all)
    func jacobianIsTriangular(_ d: TestDevice, _ subject: AutoregressiveSubject) throws {
        var random = RandomStream(seed: 77)
        let (conditioner, transform) = try subject.build(d.device, &random)
        try FlowTestHelpers.perturb(conditioner.parameters, scale: 0.5, random: &random)  // the last layers start at zero
        let x = try random.next([Self.batch] + subject.eventShape, .normal, on: d.device)
        let context = subject.contextFeatures > 0 ? try random.next([Self.batch, subject.contextFeatures], .normal, on: d.device) : nil
        func evaluate(_ input: Tensor) throws -> [Float] {
            if let transform { return try transform.transform(input, context: context).output.toArray() }
            return try conditioner.forward(input, context: context).output.toArray()
        }
        let inputUnits = subject.inputUnits(conditioner)
        let outputUnits = subject.outputUnits(conditioner)
        let base = try evaluate(x)
        let (inputSize, outputSize) = (inputUnits.count, outputUnits.count)
        #expect(base.count == Self.batch * outputSize)
        var laterOutputsReacted = false
        for unit in 0...(inputUnits.max() ?? 0) {
            let delta = (0..<(Self.batch * inputSize)).map { inputUnits[$0 % inputSize] == unit ? 0.75 : 0.0 }
            let changed = try evaluate(FlowTestHelpers.shifted(x, by: delta))
            for index in 0..<changed.count {
                let outputUnit = outputUnits[index % outputSize]
                let same = Self.unchanged(changed[index], base[index])
                if outputUnit < unit || (transform == nil && outputUnit == unit) {
                    #expect(
                        same, "\(subject): output \(index) (unit \(outputUnit)) moved from \(base[index]) to \(changed[index]) when unit \(unit) changed")
                } else if transform != nil && outputUnit == unit {
                    #expect(!same, "\(subject): output \(index) on the diagonal (unit \(unit)) did not change")
                } else if !same {
                    laterOutputsReacted = true
                }
            }
        }
        #expect(laterOutputsReacted, "\(subject): no output ever depended on an earlier unit")
    }

    /// MAF's D-pass sampling inverts its one-pass density (and IAF's D-pass density inverts its
    /// one-pass sampling): `inverse(forward(x)) = x`, `forward(inverse(z)) = z`, and the log-density
    /// `sampleAndLogProb` reports (from the sampling direction) equals `logProb` of the samples.
    @Test(arguments: TestDevices.all, AutoregressiveFlowCase.all)
    func sequentialDirectionAgreesWithOnePass(_ d: TestDevice, _ testCase: AutoregressiveFlowCase) throws {
        var random = RandomStream(seed: 2024)
        let transform = try testCase.build(d.device, &random)
        try FlowTestHelpers.perturb(transform.parameters, scale: 0.2, random: &random)
        let flow = Flow(transforms: [transform], base: StandardNormal(eventShape: testCase.eventShape))
        let count = 4
        let context = testCase.contextFeatures > 0 ? try random.next([count, testCase.contextFeatures], .normal, on: d.device) : nil

        let x = try random.next([count] + testCase.eventShape, .normal, on: d.device)
        let rebuilt = try flow.inverse(flow.transform(x, context: context).output, context: context).output
        expectClose(try rebuilt.toArray(), try x.toArray(), "inverse(forward(x)) vs x")

        let z = try random.next([count] + testCase.eventShape, .normal, on: d.device)
        let there = try flow.inverse(z, context: context)
        let back = try flow.transform(there.output, context: context)
        expectClose(try back.output.toArray(), try z.toArray(), "forward(inverse(z)) vs z")
        expectClose(try back.logDet.toArray(), try there.logDet.toArray().map { -$0 }, "forward log-det vs −inverse log-det")

        let (samples, sampledLogProb) = try flow.sampleAndLogProb(count, context: context, random: &random, on: d.device)
        expectClose(try flow.logProb(samples, context: context).toArray(), try sampledLogProb.toArray(), "logProb(samples) vs sampleAndLogProb")

        func expectClose(_ actual: [Float], _ expected: [Float], _ what: String) {
            let scale = expected.map { abs(Double($0)) }.max() ?? 1
            let worst = zip(actual, expected).map { abs(Double($0) - Double($1)) }.max() ?? 0
            #expect(worst <= 1e-4 * max(1, scale), "\(testCase): \(what), worst difference \(worst) at scale \(scale)")
        }
    }

    /// nsf-ar's incremental inverse (one feature's spline per degree) against its `D` full passes:
    /// sequential and random degrees, a context, no hidden layer, tails in play (small bound).
    @Test(arguments: TestDevices.all)
    func incrementalSplineInverseMatchesPlainRecursion(_ d: TestDevice) throws {
        let shapes: [(features: Int, hidden: [Int], context: Int, degrees: MADEDegrees.Assignment, bins: Int, bound: Float)] = [
            (7, [20, 13], 0, .sequential, 8, 3), (9, [11, 30, 6], 2, .random, 5, 2), (5, [], 0, .sequential, 3, 1.5),
            (16, [64, 64], 3, .sequential, 8, 5),
        ]
        for (index, shape) in shapes.enumerated() {
            var random = RandomStream(seed: 91 + UInt64(index))
            let options = SplineOptions(bins: shape.bins, bound: shape.bound)
            let made = try MADE(
                name: "made", features: shape.features, hidden: shape.hidden, contextFeatures: shape.context, degrees: shape.degrees,
                outputsPerFeature: options.parametersPerElement, outputLayout: .featureMajor, random: &random, on: d.device)
            // As for MAF below: larger weights make the D-step recursion ill-conditioned. With 0.3
            // and 64-unit layers the slopes got steep enough that the round trip was off by 1e-3
            // and the two recursions differed by 2e-5.
            try FlowTestHelpers.perturb(made.parameters, scale: 0.1, random: &random)
            let transform = try AutoregressiveSpline(made: made, options: options)
            let batch = 37
            let z = try random.next([batch, shape.features], .normal, on: d.device).scaled(by: 1.5)
            let context = shape.context > 0 ? try random.next([batch, shape.context], .normal, on: d.device) : nil
            let fast = try transform.inverse(z, context: context)
            transform.useIncrementalInverse = false
            let plain = try transform.inverse(z, context: context)
            let what = "\(shape.features) features, hidden \(shape.hidden), context \(shape.context), \(shape.degrees), K \(shape.bins)"
            for (name, a, b) in [("samples", fast.output, plain.output), ("log-det", fast.logDet, plain.logDet)] {
                let (actual, expected) = (try a.toArray(), try b.toArray())
                #expect(actual.count == expected.count && expected.allSatisfy(\.isFinite), "\(what): \(name) not finite")
                let worst = zip(actual, expected).map { abs(Double($0) - Double($1)) / max(1, abs(Double($1))) }.max() ?? 0
                #expect(worst <= 1e-5, "\(what): \(name) differ by \(worst)")
            }
            // And it is the inverse: forward of the samples gives the noise back.
            let back = try transform.transform(fast.output, context: context)
            let worst = zip(try back.output.toArray(), try z.toArray()).map { abs(Double($0) - Double($1)) }.max() ?? 0
            #expect(worst <= 1e-4, "\(what): forward(inverse(z)) off by \(worst)")
        }
    }

    /// MAF's incremental inverse (one degree block per pass) gives the same samples and log-dets as
    /// the plain recursion of `D` full passes: sequential and random degrees, context, no hidden
    /// layer, several hidden layers of uneven widths, and a batch that is no multiple of anything.
    @Test(arguments: TestDevices.all)
    func incrementalInverseMatchesPlainRecursion(_ d: TestDevice) throws {
        let shapes: [(features: Int, hidden: [Int], context: Int, degrees: MADEDegrees.Assignment)] = [
            (7, [20, 13], 0, .sequential), (9, [11, 30, 6], 0, .random), (5, [], 0, .sequential), (6, [17], 4, .random),
            (16, [48, 48], 3, .sequential), (17, [40], 0, .sequential),
        ]
        for (index, shape) in shapes.enumerated() {
            var random = RandomStream(seed: 77 + UInt64(index))
            let made = try MADE(
                name: "made", features: shape.features, hidden: shape.hidden, contextFeatures: shape.context, degrees: shape.degrees,
                random: &random, on: d.device)
            // Small enough that the D-step recursion stays well conditioned: with large log-scales a
            // rounding difference grows by exp(α) per step and the samples reach 1e16.
            try FlowTestHelpers.perturb(made.parameters, scale: 0.1, random: &random)
            let transform = AutoregressiveAffine(conditioner: made, direction: .masked)
            let batch = 37
            let z = try random.next([batch, shape.features], .normal, on: d.device)
            let context = shape.context > 0 ? try random.next([batch, shape.context], .normal, on: d.device) : nil
            let fast = try transform.inverse(z, context: context)
            transform.useIncrementalInverse = false
            let plain = try transform.inverse(z, context: context)
            let what = "\(shape.features) features, hidden \(shape.hidden), context \(shape.context), \(shape.degrees)"
            for (name, a, b) in [("samples", fast.output, plain.output), ("log-det", fast.logDet, plain.logDet)] {
                let (actual, expected) = (try a.toArray(), try b.toArray())
                #expect(actual.count == expected.count && (expected.map(abs).max() ?? 0) < 1e3, "\(name) out of a sane range")
                let worst = zip(actual, expected).map { abs(Double($0) - Double($1)) / max(1, abs(Double($1))) }.max() ?? 0
                #expect(worst <= 1e-5, "\(what): \(name) differ by \(worst); largest \(expected.map(abs).max() ?? 0) vs \(actual.map(abs).max() ?? 0)")
            }
        }
    }

    /// W2/W3's parameter counts: free = mask nonzeros + biases, dense = every stored element.
    @Test(arguments: TestDevices.all)
    func presetParameterCountsMatchTheContract(_ d: TestDevice) throws {
        for (features, hidden, free, dense, nonzeros) in [
            (16, 256, 208_240, 391_840, [2_041, 34_953, 4_110]), (64, 512, 918_400, 1_808_000, [16_164, 133_156, 33_208]),
        ] {
            var random = RandomStream(seed: 1)
            let maf = try MAF(features: features, blocks: 5, hidden: hidden, random: &random, on: d.device)
            #expect(maf.freeParameterCount == free, "MAF d\(features) free parameters")
            #expect(maf.parameters.reduce(0) { $0 + $1.value.count } == dense, "MAF d\(features) dense parameters")
            for block in maf.blocks {
                #expect((block.conditioner as? MADE)?.maskNonzeros == nonzeros, "MAF d\(features) mask nonzeros per layer")
            }
            let iaf = try IAF(features: features, blocks: 5, hidden: hidden, random: &random, on: d.device)
            #expect(iaf.freeParameterCount == free, "IAF d\(features) free parameters")
            #expect(iaf.parameters.reduce(0) { $0 + $1.value.count } == dense, "IAF d\(features) dense parameters")
        }
    }

    /// The preset's layout: blocks with reversals before blocks 1…4 only, MADEs with the contract's
    /// masks (recomputed here from the W2 formulas) and zero last layers.
    @Test func mafLayoutAndMasksFollowW2() throws {
        let device = try #require(TestDevices.cpu).device
        var random = RandomStream(seed: 3)
        let (features, hidden) = (16, 256)
        let maf = try MAF(features: features, blocks: 5, hidden: hidden, random: &random, on: device)
        let kinds = maf.chain.transforms.map { $0 is Permutation ? "R" : $0 is AutoregressiveAffine ? "B" : "?" }
        #expect(kinds.joined() == "BRBRBRBRB")
        for transform in maf.chain.transforms {
            if let reversal = transform as? Permutation { #expect(reversal.order == Array((0..<features).reversed())) }
        }
        let made = try #require(maf.blocks[0].conditioner as? MADE)
        let degreeH = { (k: Int) in k % (features - 1) + 1 }
        let degreeOut = { (j: Int) in j % features + 1 }
        let expected: [[Float]] = [
            (0..<hidden).flatMap { k in (0..<features).map { i in degreeH(k) >= i + 1 ? 1 : 0 } },
            (0..<hidden).flatMap { k2 in (0..<hidden).map { k in degreeH(k2) >= degreeH(k) ? 1 : 0 } },
            (0..<(2 * features)).flatMap { j in (0..<hidden).map { k in degreeOut(j) > degreeH(k) ? 1 : 0 } },
        ]
        for (index, layer) in made.layers.enumerated() {
            #expect(try layer.mask?.toArray() == expected[index], "mask of layer \(index)")
        }
        #expect(try made.layers[2].weight.value.toArray().allSatisfy { $0 == 0 })
        #expect(try made.layers[2].bias.value.toArray().allSatisfy { $0 == 0 })
    }
}
