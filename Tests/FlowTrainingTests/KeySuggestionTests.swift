import Foundation
import Testing

@testable import FlowTraining

/// "did you mean …?" for misspelt config keys: typos within an edit distance, not only case.
@Suite struct KeySuggestionTests {
    static func message(_ text: String) -> String {
        do {
            _ = try TrainingConfig.parse(Data(text.utf8))
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    @Test(arguments: [
        (#""model": {"hiden": 8}"#, "model.hiden", "hidden"),
        (#""model": {"layrs": 4}"#, "model.layrs", "layers"),
        (#""model": {"lyaers": 4}"#, "model.lyaers", "layers"),
        (#""train": {"batchsize": 3}"#, "train.batchsize", "batchSize"),
        (#""train": {"learningrat": 0.01}"#, "train.learningrat", "learningRate"),
        (#""train": {"step": 10}"#, "train.step", "steps"),
    ])
    func aTypoSuggestsTheKeyItMeant(section: String, key: String, meant: String) {
        let text = #"{"data": {"kind": "toy", "name": "banana"}, "# + section + "}"
        #expect(Self.message(text).hasPrefix("config key '\(key)': unknown key (did you mean '\(meant)'?); known keys here: "), "\(Self.message(text))")
    }

    @Test(arguments: [#""model": {"colour": 1}"#, #""train": {"xy": 1}"#, #""extra": 1"#])
    func anUnrelatedKeySuggestsNothing(section: String) {
        let text = #"{"data": {"kind": "toy", "name": "banana"}, "# + section + "}"
        let message = Self.message(text)
        #expect(message.contains("unknown key; known keys here: "), "\(message)")
    }

    @Test func distancesCountInsertionsDeletionsSubstitutionsAndSwaps() {
        func distance(_ a: String, _ b: String) -> Int { KeySuggestion.distance(Array(a.unicodeScalars), Array(b.unicodeScalars)) }
        #expect(distance("hiden", "hidden") == 1)
        #expect(distance("layrs", "layers") == 1)
        #expect(distance("lyaers", "layers") == 1)
        #expect(distance("kitten", "sitting") == 3)
        #expect(distance("", "abc") == 3 && distance("abc", "") == 3 && distance("same", "same") == 0)
        #expect(KeySuggestion.nearest(to: "bins", among: ["bin", "bins2"]) == "bin", "a tie goes to the alphabetically first")
        #expect(KeySuggestion.nearest(to: String(repeating: "x", count: 100_000), among: ["hidden"]) == nil)
    }
}
