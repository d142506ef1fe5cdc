import Foundation
import Testing

/// Issue 25 §1 through the CLI: `eval` counts the examples at −inf, and `logprob` writes −inf
/// (never nan) for points far beyond the data, including ±FLT_MAX/2.
@Suite(.serialized) struct NonFiniteEvalCLITests {
    @Test func evalCountsTheExamplesAtMinusInfinity() throws {
        let run = try RobustnessCLITests.trainedRun("minus-infinity")
        // Two ordinary points, then three whose squared norm is beyond Float's range.
        let points = try RobustnessCLITests.file("far.csv", "0,1\n1,-2\n1e30,1\n1.7e38,0\n-1.7e38,-1.7e38\n")
        let eval = try CLITests.run(["eval", "--run-dir", run, "--data", points])
        #expect(eval.status == 0, "\(eval.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any], "\(eval.stdout)")
        #expect(object["count"] as? Int == 5)
        #expect(object["nonFiniteCount"] as? Int == 3)
        #expect(object["negativeInfinityCount"] as? Int == 3, "\(object)")
        #expect((object["nonFinite"] as? [String: String])?["nll"] == "inf", "\(object)")

        let out = RobustnessCLITests.path("far-lp.csv")
        let logprob = try CLITests.run(["logprob", "--run-dir", run, "--data", points, "--out", out])
        #expect(logprob.status == 0, "\(logprob.stderr)")
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.count == 6 && Float(lines[1])?.isFinite == true && Float(lines[2])?.isFinite == true, "\(lines)")
        #expect(Array(lines[3...]) == ["-inf", "-inf", "-inf"], "\(lines)")
    }
}
