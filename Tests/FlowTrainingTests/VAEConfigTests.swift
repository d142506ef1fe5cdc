import FlowLayers
import FlowRuntime
import Foundation
import Testing

@testable import FlowTraining

/// The VAE's config keys: defaults, the saved form, and errors naming the key, both when parsing
/// and when the model is built against data it cannot describe.
struct VAEConfigTests {
    static func parse(_ text: String) throws -> TrainingConfig { try TrainingConfig.parse(Data(text.utf8)) }

    @Test func defaultsAreFilledInAndParseBack() throws {
        let config = try Self.parse(#"{"data": {"kind": "digits"}, "model": {"kind": "vae"}}"#)
        let model = config.model
        #expect(model.latent == 8 && model.posterior == .gaussian && model.posteriorBlocks == nil && model.prior == .normal)
        #expect(model.decoder == nil && model.importanceSamples == 100 && model.layers == 4 && model.hidden == 256)
        #expect(try TrainingConfig.parse(config.encoded()) == config)
        let full = try Self.parse(
            #"{"data": {"kind": "digits"}, "model": {"kind": "vae", "latent": 6, "posterior": "iaf", "posteriorBlocks": 3, "prior": "maf", "decoder": "logistic", "importanceSamples": 7}}"#
        )
        #expect(full.model.posteriorBlocks == 3 && full.model.prior == .maf && full.model.decoder == .logistic && full.model.importanceSamples == 7)
        #expect(try TrainingConfig.parse(full.encoded()) == full)
        // Other kinds save no VAE keys.
        let maf = try Self.parse(#"{"data": {"kind": "toy", "name": "moons"}, "model": {"kind": "maf"}}"#)
        let saved = String(decoding: try maf.encoded(), as: UTF8.self)
        #expect(!saved.contains("latent") && !saved.contains("posterior") && !saved.contains("importanceSamples"))
    }

    @Test(arguments: [
        (#""kind": "maf", "latent": 4"#, "config key 'model.latent': applies only to model.kind vae, not maf"),
        (#""kind": "glow", "prior": "maf""#, "config key 'model.prior': applies only to model.kind vae, not glow"),
        (#""kind": "realnvp", "decoder": "bernoulli""#, "config key 'model.decoder': applies only to model.kind vae, not realnvp"),
        (#""importanceSamples": 10"#, "config key 'model.importanceSamples': applies only to model.kind vae, not realnvp"),
        (#""kind": "vae", "posteriorBlocks": 2"#, "config key 'model.posteriorBlocks': applies only to model.posterior iaf, not gaussian"),
        (#""kind": "vae", "posterior": "flow""#, "config key 'model.posterior': 'flow' is not one of gaussian, iaf"),
        (#""kind": "vae", "prior": "nsf""#, "config key 'model.prior': 'nsf' is not one of normal, realnvp, maf"),
        (#""kind": "vae", "decoder": "poisson""#, "config key 'model.decoder': 'poisson' is not one of bernoulli, logistic, gaussian"),
        (#""kind": "vae", "latent": 0"#, "config key 'model.latent': must be in 1...16384, got 0"),
        (#""kind": "vae", "latent": 1, "prior": "realnvp""#, "config key 'model.latent': must be at least 2 for model.prior realnvp"),
        (#""kind": "vae", "posterior": "iaf", "posteriorBlocks": 0"#, "config key 'model.posteriorBlocks': must be in 1...64, got 0"),
        (#""kind": "vae", "importanceSamples": 0"#, "config key 'model.importanceSamples': must be in 1...100000, got 0"),
        (#""kind": "vae", "bins": 8"#, "config key 'model.bins': applies only to model.kind nsf or nsf-ar, not vae"),
        (#""kind": "vae", "latentDim": 8"#, "config key 'model.latentDim': unknown key"),
    ])
    func keysAreChecked(model: String, message: String) {
        let text = #"{"data": {"kind": "toy", "name": "moons"}, "model": {"# + model + "}}"
        do {
            _ = try Self.parse(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect("\(error)".hasPrefix(message), "got: \(error)")
        }
    }

    /// A decoder that cannot describe the data, or preprocessing a VAE does not use, is refused
    /// when the model is built, naming the key to change.
    @Test(arguments: [
        (#"{"kind": "digits"}"#, #""decoder": "gaussian""#, "config key 'model.decoder': gaussian models real-valued vectors"),
        (
            #"{"kind": "digits"}"#, #""decoder": "bernoulli""#,
            "config key 'model.decoder': bernoulli needs binary data (levels 0 and 1); these images have 17 levels"
        ),
        (#"{"kind": "toy", "name": "moons"}"#, #""decoder": "logistic""#, "config key 'model.decoder': logistic (the discretised logistic) needs images"),
        (#"{"kind": "toy", "name": "moons"}"#, #""decoder": "bernoulli""#, "config key 'model.decoder': bernoulli needs a data file of 0/1 values"),
        (
            #"{"kind": "toy", "name": "moons", "standardize": true}"#, #""decoder": "bernoulli""#,
            "config key 'data.standardize': must be false for model.decoder bernoulli"
        ),
        (#"{"kind": "digits", "logitAlpha": 0.05}"#, "", "config key 'data.logitAlpha': applies to flows on dequantized images, not to model.kind vae"),
    ])
    func dataMismatchesAreRefused(data: String, model: String, message: String) throws {
        let extra = model.isEmpty ? "" : ", " + model
        let config = try Self.parse(#"{"data": \#(data), "model": {"kind": "vae", "hidden": 8\#(extra)}}"#)
        let loaded = try DataLoader.load(config.data, seed: 0)
        do {
            _ = try ModelBuilder.build(config, data: loaded, seed: 0, on: DeviceRegistry.device(named: "cpu"))
            Issue.record("built: \(config.model) on \(data)")
        } catch {
            #expect("\(error)".hasPrefix(message), "got: \(error)")
        }
    }

    /// What the builder makes of each choice: the layers in order and the decoder from the data.
    @Test func builtModelsHaveTheRequestedParts() throws {
        let device = try DeviceRegistry.device(named: "cpu")
        let digits = try Self.parse(#"{"data": {"kind": "digits"}, "model": {"kind": "vae", "hidden": 8, "posterior": "iaf", "prior": "maf", "layers": 2}}"#)
        let flow = try ModelBuilder.build(digits, data: DataLoader.load(digits.data, seed: 0), seed: 0, on: device)
        let vae = try #require(flow.chain.transforms.first as? VariationalAutoencoder)
        #expect(vae.observation is DiscretizedLogisticObservation && vae.posteriorFlow?.blocks.count == 2 && vae.dataShape == [1, 8, 8])
        #expect(flow.chain.transforms.count == 2 && flow.chain.transforms[1].name == "prior")
        #expect(flow.defaultImportanceSamples == 100)
        let toy = try Self.parse(#"{"data": {"kind": "toy", "name": "moons", "standardize": true}, "model": {"kind": "vae", "hidden": 8, "latent": 2}}"#)
        let vectors = try ModelBuilder.build(toy, data: DataLoader.load(toy.data, seed: 0), seed: 0, on: device)
        #expect(vectors.chain.transforms.map(\.name) == ["standardize", "vae"])
        #expect((vectors.chain.transforms[1] as? VariationalAutoencoder)?.observation is GaussianObservation)
    }
}
