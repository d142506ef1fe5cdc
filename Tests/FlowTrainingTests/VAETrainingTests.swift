import FlowLayers
import FlowRuntime
import Foundation
import Testing

@testable import FlowTraining

/// `model.kind: "vae"` through the trainer and the evaluator: a short run on the digits learns,
/// a stopped run resumes bit for bit, and the importance-weighted estimate approaches the exact
/// log-likelihood of a linear-Gaussian VAE as k grows.
@Suite(.serialized) struct VAETrainingTests {
    /// Every part at once: IAF posterior, RealNVP prior, discretised-logistic decoder.
    static let digitsConfig = """
        {"data": {"kind": "digits"},
         "model": {"kind": "vae", "latent": 4, "hidden": 32, "hiddenLayers": 1, "posterior": "iaf", "posteriorBlocks": 1,
                   "prior": "realnvp", "layers": 2, "importanceSamples": 8},
         "train": {"steps": 60, "batchSize": 64, "checkpointEvery": 20, "evalEvery": 30, "logEvery": 10, "seed": 3}}
        """

    /// Stopping at step 35 and resuming to 60 gives exactly the parameters of an uninterrupted
    /// run: the ε stream is checkpoint state. On every device.
    @Test(arguments: ["cpu", "opencl"])
    func stopAndResumeIsBitIdentical(_ deviceName: String) throws {
        guard deviceName == "cpu" || DeviceRegistry.hasOpenCL else { try Test.cancel("no OpenCL device on this machine") }
        let device = try DeviceRegistry.device(named: deviceName)
        let runs = try StopAndResume(Self.digitsConfig, device: device, stopAt: 35, steps: 60)
        let (reference, resumed) = (runs.reference, runs.resumed)
        #expect(runs.resumedFrom == 35)
        // The VAE keys come back from the saved config.
        let model = resumed.config.model
        #expect(model.kind == .vae && model.latent == 4 && model.posterior == .iaf && model.posteriorBlocks == 1 && model.prior == .realnvp)
        #expect(try runs.parametersAreIdentical())
        let vae = try #require(resumed.flow.chain.transforms.first as? VariationalAutoencoder)
        let referenceVAE = try #require(reference.flow.chain.transforms.first as? VariationalAutoencoder)
        #expect(vae.noise == referenceVAE.noise)
        #expect(resumed.flow.parameters.contains { $0.name == "vae.iaf.block0.made.layer1.weight" })
        #expect(resumed.flow.parameters.contains { $0.name == "prior.coupling1.net.layer1.weight" })
    }

    /// 300 steps on the digits from the prior-matched start: the importance-weighted test NLL
    /// falls far below the first training loss (measured: first loss about 190 nats; after 300
    /// steps the test estimate is about 100), it is below the negative ELBO of the same draws,
    /// and both are finite for every test digit.
    @Test func shortRunOnTheDigitsLearns() throws {
        let run = TrainerTests.temporaryRun()
        defer { try? FileManager.default.removeItem(at: run.url) }
        let config = try TrainerTests.config(
            Self.digitsConfig.replacingOccurrences(of: "\"steps\": 60", with: "\"steps\": 300")
                .replacingOccurrences(of: "\"evalEvery\": 30", with: "\"evalEvery\": 150"))
        let trainer = try Trainer(config: config, run: run, device: DeviceRegistry.device(named: "cpu"), options: TrainerTests.quiet)
        let summary = try trainer.train()
        let initial = try run.firstTrainingLoss()
        let test = try #require(summary.test)
        let elbo = try #require(test.negativeELBO)
        #expect(test.nonFinite == 0 && test.count == 297 && test.importanceSamples == 8)
        #expect(test.nll < initial - 40, "test NLL \(test.nll) after 300 steps, first training loss \(initial)")
        #expect(test.nll < elbo, "importance-weighted \(test.nll) vs negative ELBO \(elbo)")
        #expect(test.bitsPerDim == bitsPerDim(nll: test.nll, dimensions: 64))
        #expect(FileManager.default.fileExists(atPath: run.picture("samples.svg").path))
        let testEvent = try #require(run.readMetrics().last { $0["event"] == .string("test") })
        #expect(testEvent["importanceSamples"] == .number(8))
        #expect(testEvent["testNegativeELBO"] == .number(elbo))
    }

    /// A linear-Gaussian VAE (latent 1, 2-D data, linear decoder `x | z ~ N(wz + b, diag σ²)`)
    /// has the exact marginal `x ~ N(b, wwᵀ + diag σ²)` and a Gaussian posterior whose mean is
    /// linear in x, which the linear encoder can represent exactly. With that posterior every
    /// draw's weight is `log p(x)` itself, so the ELBO and every IWAE estimate equal the exact
    /// log-likelihood. With the posterior's spread widened 1.5× (KL(q‖p) = 0.22 nats per point)
    /// the ELBO falls below it, the importance-weighted estimate rises with k (draw 1 of every k is
    /// the same draw), and at k = 2000 it is within 0.005 nats of the exact mean of 40 points.
    @Test func importanceWeightedEstimateApproachesTheExactLikelihood() throws {
        let device = try DeviceRegistry.device(named: "cpu")
        var random = RandomStream(seed: 21)
        let gaussian = try GaussianObservation(features: 2, on: device)
        let vae = try VariationalAutoencoder(
            dataShape: [2], latent: 1, encoderHidden: [], decoderHidden: [], observation: gaussian, evaluationSamples: 16,
            noise: RandomStream(seed: 22), random: &random, on: device)
        let (w, b, logSigma): ([Double], [Double], [Double]) = ([1.5, -0.8], [0.3, -0.2], [-0.4, 0.1])
        let decoder = vae.decoder.layers[0]
        decoder.weight.value = try Tensor(w.map(Float.init), shape: [2, 1], on: device)
        decoder.bias.value = try Tensor(b.map(Float.init), shape: [2], on: device)
        gaussian.logScale.value = try Tensor(logSigma.map(Float.init), shape: [2], on: device)
        let variance = logSigma.map { exp(2 * $0) }
        // The posterior: precision P = 1 + Σ w²/σ², mean Σ w(x − b)/σ² / P, log-scale −½ log P.
        let precision = 1 + w[0] * w[0] / variance[0] + w[1] * w[1] / variance[1]
        func setPosterior(widenedBy factor: Double) throws {
            let gains = [w[0] / (variance[0] * precision), w[1] / (variance[1] * precision)]
            let encoder = vae.encoder.layers[0]
            encoder.weight.value = try Tensor([gains[0], gains[1], 0, 0].map(Float.init), shape: [2, 2], on: device)
            let offset = -(gains[0] * b[0] + gains[1] * b[1])
            encoder.bias.value = try Tensor([offset, -0.5 * log(precision) + log(factor)].map(Float.init), shape: [2], on: device)
        }
        let flow = Flow(transforms: [vae], base: StandardNormal(eventShape: [1]))

        var pointStream = RandomStream(seed: 23)
        let points = try pointStream.next([40, 2], .normal, on: device).scaled(by: 1.5).toArray()
        let data = ArrayData(shape: [40, 2], values: points)
        let (a, c, d) = (w[0] * w[0] + variance[0], w[0] * w[1], w[1] * w[1] + variance[1])
        let determinant = a * d - c * c
        let exactPerPoint = (0..<40).map { i in
            let (u, v) = (Double(points[2 * i]) - b[0], Double(points[2 * i + 1]) - b[1])
            return -0.5 * (d * u * u - 2 * c * u * v + a * v * v) / determinant - 0.5 * log(determinant) - log(2 * Double.pi)
        }
        let exact = exactPerPoint.reduce(0, +) / 40
        func estimate(_ k: Int) throws -> Evaluator.Result {
            try Evaluator.evaluate(flow, data: data, isImage: false, batchSize: 16, seed: 5, importanceSamples: k, on: device)
        }

        try setPosterior(widenedBy: 1)
        let perPoint = try Evaluator.logProbabilities(flow, data: data, batchSize: 16, seed: 5, importanceSamples: 1, on: device)
        let worst = zip(perPoint, exactPerPoint).map { abs(Double($0) - $1) }.max() ?? .infinity
        #expect(worst < 1e-4, "exact posterior: one draw vs log p(x) differs by up to \(worst)")

        try setPosterior(widenedBy: 1.5)
        let one = try estimate(1)
        let ten = try estimate(10)
        let many = try estimate(2000)
        #expect(one.importanceSamples == 1 && many.importanceSamples == 2000)
        #expect(one.nll == one.negativeELBO)
        #expect(-one.nll < -ten.nll && -ten.nll < -many.nll, "k = 1, 10, 2000: \(-one.nll), \(-ten.nll), \(-many.nll)")
        let elbo = -(try #require(many.negativeELBO))
        #expect(abs(exact - elbo - 0.22) < 0.03, "ELBO \(elbo), exact \(exact): the gap should be the KL of 0.22 nats")
        #expect(abs(-many.nll - exact) < 0.005, "IWAE(2000) \(-many.nll), exact \(exact)")
        // The flow's default comes from the layer, and evaluation leaves the training stream alone.
        let before = vae.noise
        #expect(try estimate(1).nll == one.nll)
        #expect(flow.defaultImportanceSamples == 16 && vae.noise == before)
    }
}
