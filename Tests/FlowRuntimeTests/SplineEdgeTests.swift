import FlowRuntime
import FlowTestSupport
import Foundation
import Testing

/// Options whose knots are exact in float: with equal logits every share is 1/K, and with the
/// minimum 2⁻¹⁰ and K a power of two, `2⁻¹⁰ + (1 − K·2⁻¹⁰)/K` is exactly 1/K, so the knots are
/// `−2 + 4i/K` on every device and in the reference, and inputs can sit exactly on them.
private func exactKnotOptions(_ k: Int) -> SplineOptions {
    SplineOptions(bins: k, bound: 2, minBinWidth: 0x1p-10, minBinHeight: 0x1p-10, minDerivative: 1e-3)
}

/// Equal width and height logits (a different constant per element) and random derivatives.
private func exactKnotParameters(_ elements: Int, _ k: Int, seed: UInt64) -> [Double] {
    var rng = SeededRandom(seed: seed)
    return (0..<elements).flatMap { _ -> [Double] in
        let (wc, hc) = (rng.floats(1, in: -3...3)[0], rng.floats(1, in: -3...3)[0])
        return [Double](repeating: wc, count: k) + [Double](repeating: hc, count: k) + rng.floats(k - 1, in: -2...2)
    }
}

/// One-sided finite difference of `f` at `x` in `direction` (±1): the derivative of the side whose
/// bin the op assigns to an input on a knot (the bin starting there, the last bin at +B).
private func oneSidedSlope(_ f: (Double) -> Double, at x: Double, direction: Double) -> Double {
    let h = 1e-7
    return (f(x + direction * h) - f(x)) / (direction * h)
}

@Suite struct SplineEdgeTests {
    /// Inputs exactly on every knot (±B included) map to the knots exactly, in both directions,
    /// with log-dets matching the reference, which uses the same bin rule.
    @Test(arguments: TestDevices.all, [2, 4, 8])
    func knotsMapToKnotsExactly(_ d: TestDevice, _ k: Int) throws {
        let options = exactKnotOptions(k)
        let shape = [3, k + 1]
        let spec = SplineSpec(rows: 3, columns: k + 1, options: options)
        let knots = (0...k).map { -2 + 4 * Double($0) / Double(k) }
        let x = [[Double]](repeating: knots, count: 3).flatMap { $0 }
        let parameters = exactKnotParameters(spec.count, k, seed: 61)
        let p = try d.tensor(parameters, shape + [options.parametersPerElement])
        for inverse in [false, true] {
            try d.poisonCache(spec.count, 3)
            let result = try d.tensor(x, shape).rationalQuadraticSpline(parameters: p, options: options, inverse: inverse)
            expectIdentical(try result.output.toArray(), x.map(Float.init), "K=\(k) inverse=\(inverse): knots to knots")
            let expected = Reference.spline(spec, inverse: inverse, x: x, parameters: parameters)
            let terms = splineTerms(spec, inverse: inverse, x: x, parameters: parameters)
            try expectClose(
                result.logDet, expected.logDet, rtol: 1e-5, atol: splineLogDetTolerance(spec, terms: terms),
                "K=\(k) inverse=\(inverse) logDet on knots")
        }
    }

    /// Gradients at inputs exactly on knots. With ∂L/∂logDet = 0 the loss is C¹ there (y is C¹ in x
    /// and in the parameters across a knot), so central differences check every gradient; the
    /// log-det's slope jumps at a knot, so with it the x gradient is checked against the
    /// one-sided difference of the side the op assigns the knot to.
    @Test(arguments: TestDevices.all, [2, 4, 8])
    func backwardOnKnots(_ d: TestDevice, _ k: Int) throws {
        let options = exactKnotOptions(k)
        let c = SplineCase(options: options)
        let shape = [2, k + 1]
        let spec = SplineSpec(rows: 2, columns: k + 1, options: options)
        let knots = (0...k).map { -2 + 4 * Double($0) / Double(k) }
        let x = knots + knots
        let parameters = exactKnotParameters(spec.count, k, seed: 62)
        var rng = SeededRandom(seed: 63)
        let gradY = rng.floats(spec.count)
        let (input, p) = (try d.tensor(x, shape), try d.tensor(parameters, shape + [c.per]))

        let smooth = try Tensor.rationalQuadraticSplineBackward(
            input: input, parameters: p, options: options, gradOutput: d.tensor(gradY, shape),
            gradLogDet: d.tensor([0, 0], [2]))
        let expected = Reference.splineBackward(spec, x: x, parameters: parameters, gradY: gradY, gradLogDet: [0, 0])
        expectClose(try smooth.input.values(), expected.input, rtol: splineGradRtol, atol: splineGradAtol, "K=\(k) ∂x on knots")
        expectSplineParameterGradients(try smooth.parameters.values(), expected.parameters, c, "K=\(k) on knots")

        let withLogDet = try Tensor.rationalQuadraticSplineBackward(
            input: input, parameters: p, options: options, gradOutput: d.tensor(gradY, shape),
            gradLogDet: d.tensor([0.5, -0.75], [2]))
        let oneSided = (0..<spec.count).map { i -> Double in
            let slice = parameters[i * c.per..<(i + 1) * c.per]
            let gl = i < k + 1 ? 0.5 : -0.75
            let f = { (v: Double) -> Double in
                let out = Reference.splineElement(v, slice, options, inverse: false)
                return gradY[i] * out.0 + gl * out.1
            }
            return oneSidedSlope(f, at: x[i], direction: i % (k + 1) == k ? -1 : 1)
        }
        expectClose(try withLogDet.input.values(), oneSided, rtol: splineGradRtol, atol: splineGradAtol, "K=\(k) ∂x on knots with log-det")
        #expect(try withLogDet.parameters.toArray().allSatisfy(\.isFinite), "K=\(k) parameter gradients finite on knots")
    }

    /// ±B map to ±B exactly in both directions, for arbitrary parameters.
    @Test(arguments: TestDevices.all, SplineCase.standard)
    func boundsMapToBoundsExactly(_ d: TestDevice, _ c: SplineCase) throws {
        let shape = [4, 6]
        let bound = Double(c.options.bound)
        let x = (0..<24).map { $0 % 2 == 0 ? -bound : bound }
        let data = c.data(24, seed: 64)
        let p = try d.tensor(data.parameters, shape + [c.per])
        let spec = c.spec(shape)
        for inverse in [false, true] {
            let result = try d.tensor(x, shape).rationalQuadraticSpline(parameters: p, options: c.options, inverse: inverse)
            expectIdentical(try result.output.toArray(), x.map(Float.init), "\(c) inverse=\(inverse): ±B to ±B")
            let expected = Reference.spline(spec, inverse: inverse, x: x, parameters: data.parameters)
            let terms = splineTerms(spec, inverse: inverse, x: x, parameters: data.parameters)
            try expectClose(
                result.logDet, expected.logDet, rtol: 1e-5, atol: splineLogDetTolerance(spec, terms: terms),
                "\(c) inverse=\(inverse) logDet at ±B")
        }
    }

    /// Row 0 all inside, row 1 all in the tails (including ±huge and ±infinity), row 2 mixed.
    /// Tails are the identity exactly: y = x, log-det 0, ∂x = ∂y, parameter gradients 0, in both
    /// directions; the inside values match the reference.
    @Test(arguments: TestDevices.all, SplineCase.standard)
    func insideOutsideAndMixedRows(_ d: TestDevice, _ c: SplineCase) throws {
        let columns = 13
        let shape = [3, columns]
        let bound = Double(c.options.bound)
        var rng = SeededRandom(seed: 65)
        let inside = rng.floats(columns, in: -0.999 * bound...0.999 * bound)
        let extreme: [Double] = [.infinity, -.infinity, Double(Float.greatestFiniteMagnitude), -1e30, 1e30]
        let tails =
            rng.floats(columns - extreme.count, in: 1.001 * bound...3 * bound).enumerated().map {
                $0.offset % 2 == 0 ? $0.element : -$0.element
            } + extreme
        let mixed = (0..<columns).map { $0 % 2 == 0 ? inside[$0] : tails[$0 % (columns - extreme.count)] }
        let x = inside + tails + mixed
        let data = c.data(3 * columns, seed: 66)
        let p = try d.tensor(data.parameters, shape + [c.per])
        let tailRow = Array(columns..<2 * columns)
        let finiteRows = Array(0..<columns) + Array(2 * columns..<3 * columns)
        let subSpec = SplineSpec(rows: 2, columns: columns, options: c.options)
        let subX = finiteRows.map { x[$0] }
        let subParameters = finiteRows.flatMap { data.parameters[$0 * c.per..<($0 + 1) * c.per] }
        for inverse in [false, true] {
            let result = try d.tensor(x, shape).rationalQuadraticSpline(parameters: p, options: c.options, inverse: inverse)
            let (y, logDet) = (try result.output.toArray(), try result.logDet.toArray())
            expectIdentical(tailRow.map { y[$0] }, tailRow.map { Float(x[$0]) }, "\(c) inverse=\(inverse) tails are the identity")
            #expect(logDet[1] == 0, "\(c) inverse=\(inverse) tail row log-det \(logDet[1])")
            let expected = Reference.spline(subSpec, inverse: inverse, x: subX, parameters: subParameters)
            let tolerance =
                inverse
                ? splineInverseTolerance(subSpec, x: expected.y, parameters: subParameters)
                : [Double](repeating: 2e-5, count: subX.count)
            let rowsReport = Closeness.compare(finiteRows.map { Double(y[$0]) }, expected.y, rtol: 1e-5, atol: tolerance)
            #expect(rowsReport.passed, "\(c) inverse=\(inverse) inside rows: \(rowsReport)")
            let terms = splineTerms(subSpec, inverse: inverse, x: subX, parameters: subParameters)
            let allowed = splineLogDetTolerance(subSpec, terms: terms)
            let report = Closeness.compare([Double(logDet[0]), Double(logDet[2])], expected.logDet, rtol: 1e-5, atol: allowed)
            #expect(report.passed, "\(c) inverse=\(inverse) log-dets of rows 0 and 2: \(report)")
        }

        let gradY = rng.floats(3 * columns)
        let gradLogDet = [0.5, -1.5, 0.25]
        let grads = try Tensor.rationalQuadraticSplineBackward(
            input: d.tensor(x, shape), parameters: p, options: c.options, gradOutput: d.tensor(gradY, shape),
            gradLogDet: d.tensor(gradLogDet, [3]))
        let (gx, gp) = (try grads.input.toArray(), try grads.parameters.toArray())
        expectIdentical(tailRow.map { gx[$0] }, tailRow.map { Float(gradY[$0]) }, "\(c) tail ∂x = ∂y")
        #expect(tailRow.allSatisfy { i in (0..<c.per).allSatisfy { gp[i * c.per + $0] == 0 } }, "\(c) tail parameter gradients are 0")
        let expected = Reference.splineBackward(
            subSpec, x: subX, parameters: subParameters, gradY: finiteRows.map { gradY[$0] }, gradLogDet: [0.5, 0.25])
        expectClose(finiteRows.map { Double(gx[$0]) }, expected.input, rtol: splineGradRtol, atol: splineGradAtol, "\(c) ∂x rows 0, 2")
        let subGradients = finiteRows.flatMap { i in (0..<c.per).map { Double(gp[i * c.per + $0]) } }
        expectSplineParameterGradients(subGradients, expected.parameters, c, "\(c) rows 0, 2")
    }

    /// Huge and hugely negative logits and derivative pre-activations: every output and gradient
    /// stays finite in both directions, and the round trip still holds.
    @Test(arguments: TestDevices.all, SplineCase.standard)
    func extremeParametersStayFinite(_ d: TestDevice, _ c: SplineCase) throws {
        let shape = [9, 14]
        let count = 9 * 14
        let levels: [Double] = [-1e4, -80, -20, 0, 20, 80, 1e4]
        var rng = SeededRandom(seed: 67)
        let parameters = (0..<count * c.per).map { _ in levels[rng.int(in: 0...levels.count - 1)] }
        let bound = Double(c.options.bound)
        let x = rng.floats(count, in: -1.1 * bound...1.1 * bound).enumerated().map { $0.offset % 7 == 0 ? bound : $0.element }
        let p = try d.tensor(parameters, shape + [c.per])
        let forward = try d.tensor(x, shape).rationalQuadraticSpline(parameters: p, options: c.options)
        let back = try forward.output.rationalQuadraticSpline(parameters: p, options: c.options, inverse: true)
        let grads = try Tensor.rationalQuadraticSplineBackward(
            input: d.tensor(x, shape), parameters: p, options: c.options, gradOutput: d.tensor(rng.floats(count), shape),
            gradLogDet: d.tensor(rng.floats(9), [9]))
        for (name, tensor) in [
            ("y", forward.output), ("logDet", forward.logDet), ("inverse x", back.output), ("inverse logDet", back.logDet),
            ("∂x", grads.input), ("∂parameters", grads.parameters),
        ] {
            let nonFinite = try tensor.toArray().filter { !$0.isFinite }.count
            #expect(nonFinite == 0, "\(c) \(name): \(nonFinite) non-finite values")
        }
        // Slopes here go down to ~1e-9 (a bin of width ~B with height 2e-3·B and a knot slope of
        // 1e4), where one ulp of y is worth ~0.1 in x: no float inverse can recover x there, so the
        // round trip is checked in y: forward(inverse(y)) ≈ y. Even there the quadratic's
        // coefficients cancel to ~1e-7·|d|·h when a knot slope d is 1e4 (a and b are sums of
        // terms ~d·h of opposite sign), which a float32 simulation of 20,000 random extreme elements
        // put at ≤ 1.1e-4 in y: 2e-4 allowed, while a wrong bin is off by a whole bin (≥ 5e-3).
        let again = try back.output.rationalQuadraticSpline(parameters: p, options: c.options)
        try expectClose(again.output, try forward.output.values(), rtol: 0, atol: 2e-4, "\(c) extreme round trip in y")
        let inside = zip(try forward.output.toArray(), try back.output.toArray()).allSatisfy {
            abs(Double($0.0)) > bound || abs(Double($0.1)) <= bound
        }
        #expect(inside, "\(c) the inverse of values inside [−B, B] stays inside")
    }

    @Test func invalidOptionsAndShapesThrow() throws {
        let device = try #require(TestDevices.cpu).device
        let x = try Tensor.zeros([2, 3], on: device)
        let p = try Tensor.zeros([2, 3, 14], on: device)
        for bad in [
            SplineOptions(bins: 0), SplineOptions(bins: 5, bound: 0), SplineOptions(bins: 5, minBinWidth: 0.2),
            SplineOptions(bins: 5, minBinHeight: 0), SplineOptions(bins: 5, minDerivative: -1),
        ] {
            #expect(throws: FlowError.self) { _ = try x.rationalQuadraticSpline(parameters: p, options: bad) }
        }
        #expect(throws: FlowError.self) { _ = try x.rationalQuadraticSpline(parameters: p, options: SplineOptions(bins: 4)) }
    }
}
