import Foundation
import Testing

@testable import FlowTraining

struct ConfigTests {
    static func parse(_ text: String) throws -> TrainingConfig { try TrainingConfig.parse(Data(text.utf8)) }

    @Test func defaultsAreFilledIn() throws {
        let config = try Self.parse(#"{"data": {"kind": "toy", "name": "banana"}}"#)
        #expect(config.model.kind == .realnvp && config.model.layers == 8 && config.model.hidden == 128)
        #expect(config.train.steps == 5000 && config.train.batchSize == 512 && config.train.learningRate == 1e-3)
        #expect(config.data.standardize == false)
        // The resolved config round-trips through its saved form.
        #expect(try JSONDecoder().decode(TrainingConfig.self, from: config.encoded()) == config)
        // …and through the strict parser, which is how a run directory's config.json is read back.
        #expect(try TrainingConfig.parse(config.encoded()) == config)
    }

    /// A run directory's saved config is read back with the strict parser: for every model kind
    /// the resolved config (defaults filled in) must parse to itself.
    @Test(arguments: ModelConfig.Kind.allCases)
    func savedConfigsParseBack(kind: ModelConfig.Kind) throws {
        let data = kind.modelsImages ? #"{"kind": "digits"}"# : #"{"kind": "toy", "name": "moons"}"#
        let config = try Self.parse(#"{"data": \#(data), "model": {"kind": "\#(kind.rawValue)"}}"#)
        #expect(try TrainingConfig.parse(config.encoded()) == config)
    }

    /// nsf fills in its spline keys (and its own depth); every other kind has none, so their
    /// saved configs stay as they were.
    @Test func splineDefaultsAreFilledIn() throws {
        let config = try Self.parse(#"{"data": {"kind": "toy", "name": "checkerboard"}, "model": {"kind": "nsf"}}"#)
        #expect(config.model.kind == .nsf && config.model.layers == 4 && config.model.hidden == 128 && config.model.hiddenLayers == 2)
        #expect(config.model.bins == 8 && config.model.tailBound == 5 && config.model.affine == false)
        #expect(try TrainingConfig.parse(config.encoded()) == config)
        let withAffine = try Self.parse(#"{"data": {"kind": "toy", "name": "banana"}, "model": {"kind": "nsf", "affine": true}}"#)
        #expect(withAffine.model.affine == true)
        #expect(try TrainingConfig.parse(withAffine.encoded()) == withAffine)
        let set = try Self.parse(#"{"data": {"kind": "toy", "name": "moons"}, "model": {"kind": "nsf", "bins": 64, "tailBound": 10000}}"#)
        #expect(set.model.bins == 64 && set.model.tailBound == 10_000)
        let affine = try Self.parse(#"{"data": {"kind": "toy", "name": "moons"}, "model": {"kind": "realnvp", "bins": null}}"#)
        #expect(affine.model.bins == nil && affine.model.tailBound == nil && affine.model.affine == nil)
        #expect(try !String(decoding: affine.encoded(), as: UTF8.self).contains("bins"))
        #expect(try !String(decoding: affine.encoded(), as: UTF8.self).contains("affine"))
        // The autoregressive spline flow: the same spline keys, MAF's width, its own raw value.
        let ar = try Self.parse(#"{"data": {"kind": "toy", "name": "moons"}, "model": {"kind": "nsf-ar", "bins": 5}}"#)
        #expect(ar.model.kind == .nsfAR && ar.model.layers == 4 && ar.model.hidden == 256 && ar.model.bins == 5 && ar.model.tailBound == 5)
        #expect(String(decoding: try ar.encoded(), as: UTF8.self).contains(#""nsf-ar""#))
        #expect(ar.model.affine == nil)
        #expect(try TrainingConfig.parse(ar.encoded()) == ar)
    }

    /// Spline keys out of range, of the wrong type, or on a kind without splines are errors naming the key.
    @Test(arguments: [
        (#""kind": "nsf", "bins": 0"#, "config key 'model.bins': must be in 1...64, got 0"),
        (#""kind": "nsf-ar", "bins": 65"#, "config key 'model.bins': must be in 1...64, got 65"),
        (#""kind": "nsf-ar", "tailBound": -1"#, "config key 'model.tailBound': must be in 0.001...10000.0, got -1.0"),
        (#""kind": "nsfar""#, "config key 'model.kind'"),
        (#""kind": "nsf", "bins": 65"#, "config key 'model.bins': must be in 1...64, got 65"),
        (#""kind": "nsf", "bins": 2.5"#, "config key 'model.bins': expected an integer, got 2.5"),
        (#""kind": "nsf", "tailBound": 0"#, "config key 'model.tailBound': must be in 0.001...10000.0, got 0.0"),
        (#""kind": "nsf", "tailBound": -3"#, "config key 'model.tailBound': must be in 0.001...10000.0, got -3.0"),
        (#""kind": "nsf", "tailBound": 1e300"#, "config key 'model.tailBound': must be in 0.001...10000.0"),
        (#""kind": "nsf", "tailBound": "wide""#, "config key 'model.tailBound': expected a number, got \"wide\""),
        (#""kind": "nsf", "bin": 8"#, "config key 'model.bin': unknown key"),
        (#""kind": "nsf", "tailbound": 3"#, "config key 'model.tailbound': unknown key (did you mean 'tailBound'?)"),
        (#""kind": "realnvp", "bins": 8"#, "config key 'model.bins': applies only to model.kind nsf or nsf-ar, not realnvp"),
        (#""bins": 8"#, "config key 'model.bins': applies only to model.kind nsf or nsf-ar, not realnvp"),
        (#""kind": "maf", "tailBound": 3"#, "config key 'model.tailBound': applies only to model.kind nsf or nsf-ar, not maf"),
        (#""kind": "nsf", "affine": 1"#, "config key 'model.affine': expected true or false"),
        (#""kind": "nsf-ar", "affine": true"#, "config key 'model.affine': applies only to model.kind nsf, not nsf-ar"),
        (#""kind": "realnvp", "affine": false"#, "config key 'model.affine': applies only to model.kind nsf, not realnvp"),
    ])
    func splineKeysAreChecked(model: String, message: String) {
        let text = #"{"data": {"kind": "toy", "name": "moons"}, "model": {"# + model + "}}"
        do {
            _ = try Self.parse(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect("\(error)".hasPrefix(message), "got: \(error)")
        }
    }

    /// Every size has an upper bound: an absurd value is an error naming the key and the range,
    /// never an overflow, a trap or an allocation that cannot succeed.
    @Test(arguments: [
        (#""train": {"steps": 3000000000}"#, "config key 'train.steps': must be in 1...1000000000, got 3000000000"),
        (#""train": {"steps": 9223372036854775807}"#, "config key 'train.steps': must be in 1...1000000000"),
        (#""train": {"steps": 1e300}"#, "config key 'train.steps': must be in 1...1000000000"),
        (#""train": {"batchSize": 100000000}"#, "config key 'train.batchSize': must be in 1...262144"),
        (#""train": {"seed": -1}"#, "config key 'train.seed': must be in 0...9007199254740991, got -1"),
        (#""train": {"logEvery": 0}"#, "config key 'train.logEvery': must be in 1...1000000000, got 0"),
        (#""train": {"keepCheckpoints": 1000000}"#, "config key 'train.keepCheckpoints': must be in 1...1000"),
        (#""model": {"hidden": 1000000}"#, "config key 'model.hidden': must be in 1...16384"),
        (#""model": {"layers": 100000}"#, "config key 'model.layers': must be in 1...512"),
        (#""model": {"hidden": 16384, "layers": 512}"#, "config key 'model.hidden': the model would hold about"),
    ])
    func sizesHaveUpperBounds(section: String, message: String) {
        let text = #"{"data": {"kind": "toy", "name": "banana"}, "# + section + "}"
        do {
            _ = try Self.parse(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect("\(error)".hasPrefix(message), "got: \(error)")
        }
    }

    /// Syntax errors give the line and column; a key given twice is an error naming it.
    @Test(arguments: [
        ("{\n  \"data\": {\"kind\": \"toy\",\n    \"name\": banana}}", "config: not valid JSON: line 3, column 13: unexpected character 'b'"),
        ("{\"data\": {\"kind\": \"toy\", \"name\": \"banana\"},\n \"data\": {}}", "config: not valid JSON: line 2, column 2: duplicate key 'data'"),
        ("{\"data\": {\"kind\": \"toy\", \"kind\": \"csv\"}}", "config: not valid JSON: line 1, column 26: duplicate key 'kind'"),
        ("{\"data\": {\"kind\": \"toy\", \"name\": \"banana\"},}", "config: not valid JSON: line 1, column 44: unexpected character '}', expected a key"),
    ])
    func jsonErrorsGiveLineAndColumn(text: String, message: String) {
        do {
            _ = try Self.parse(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect("\(error)".hasPrefix(message), "got: \(error)")
        }
    }

    @Test(arguments: [
        (#"{"data": {"kind": "toy", "name": "banana"}, "train": {"batchsize": 3}}"#, "config key 'train.batchsize': unknown key (did you mean 'batchSize'?)"),
        (#"{"data": {"kind": "toy", "name": "banana"}, "extra": 1}"#, "config key 'extra': unknown key"),
        (#"{"data": {"kind": "toy", "name": "banana"}, "train": {"steps": 0}}"#, "config key 'train.steps': must be in 1...1000000000, got 0"),
        (#"{"data": {"kind": "toy", "name": "banana"}, "train": {"steps": 1.5}}"#, "config key 'train.steps': expected an integer, got 1.5"),
        (
            #"{"data": {"kind": "toy", "name": "banana"}, "train": {"learningRate": "fast"}}"#,
            "config key 'train.learningRate': expected a number, got \"fast\""
        ),
        (#"{"data": {"kind": "toy", "name": "bananas"}}"#, "config key 'data.name': 'bananas' is not a toy density"),
        (#"{"data": {"kind": "csv"}}"#, "config key 'data.train': is required for kind csv"),
        (#"{"data": {"kind": "parquet"}}"#, "config key 'data.kind': 'parquet' is not one of"),
        (
            #"{"data": {"kind": "toy", "name": "moons"}, "model": {"kind": "glow", "reversible": 1}}"#,
            "config key 'model.reversible': expected true or false, got 1"
        ),
        (#"{"data": {"kind": "toy", "name": "moons"}, "train": {"schedule": "linear"}}"#, "config key 'train.schedule': 'linear' is not one of"),
        (#"{"data": 3}"#, "config key 'data': expected an object, got 3"),
        (#"{"data": {"kind": "toy", "name": "banana"}"#, "config: not valid JSON"),
    ])
    func badConfigsNameTheKey(text: String, message: String) {
        do {
            _ = try Self.parse(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect("\(error)".hasPrefix(message), "got: \(error)")
        }
    }
}
