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
    }

    @Test(arguments: [
        (#"{"data": {"kind": "toy", "name": "banana"}, "train": {"batchsize": 3}}"#, "config key 'train.batchsize': unknown key (did you mean 'batchSize'?)"),
        (#"{"data": {"kind": "toy", "name": "banana"}, "extra": 1}"#, "config key 'extra': unknown key"),
        (#"{"data": {"kind": "toy", "name": "banana"}, "train": {"steps": 0}}"#, "config key 'train.steps': must be at least 1, got 0"),
        (#"{"data": {"kind": "toy", "name": "banana"}, "train": {"steps": 1.5}}"#, "config key 'train.steps': expected an integer, got 1.5"),
        (#"{"data": {"kind": "toy", "name": "banana"}, "train": {"learningRate": "fast"}}"#, "config key 'train.learningRate': expected a number, got \"fast\""),
        (#"{"data": {"kind": "toy", "name": "bananas"}}"#, "config key 'data.name': 'bananas' is not a toy density"),
        (#"{"data": {"kind": "csv"}}"#, "config key 'data.train': is required for kind csv"),
        (#"{"data": {"kind": "parquet"}}"#, "config key 'data.kind': 'parquet' is not one of"),
        (#"{"data": {"kind": "toy", "name": "moons"}, "model": {"kind": "glow", "reversible": 1}}"#, "config key 'model.reversible': expected true or false, got 1"),
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
