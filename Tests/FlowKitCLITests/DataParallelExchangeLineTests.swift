import Foundation
import Testing

/// Under `mpirun -np N`, rank 0's start line says how many bytes each rank sends per step
/// (`GradientExchange.bytesSentPerRank`), the figure scripts/mpi-bench.sh reports beside samples/s.
@Suite(.enabled(if: MPIRun.path != nil, "needs Open MPI's mpirun on PATH"))
struct DataParallelExchangeLineTests {
    @Test func theStartLineGivesTheBytesEachRankSends() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("flowkit-mpi-line-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: base) }
        let config = base.appendingPathComponent("config.json")
        try Data(
            #"""
            {"data": {"kind": "toy", "name": "banana", "evaluationSize": 100},
             "model": {"kind": "realnvp", "layers": 4, "hidden": 64},
             "train": {"steps": 2, "batchSize": 64, "microBatches": 4, "evalEvery": 2, "seed": 1}}
            """#.utf8
        ).write(to: config)
        let outcome = try DataParallelCLITests.train(config.path, runDir: base.appendingPathComponent("run"), ranks: 2)
        try #require(outcome.status == 0, "mpirun -np 2 failed: \(outcome.stderr)")
        let line = try #require(outcome.stdout.split(separator: "\n").first { $0.hasPrefix("training on") }, "no start line: \(outcome.stdout)")
        let bytes = try #require(line.firstMatch(of: /, (\d+) bytes sent per rank per step/).flatMap { Int($0.output.1) }, "no bytes in: \(line)")
        let parameters = try #require(line.firstMatch(of: /\), (\d+) parameters/).flatMap { Int($0.output.1) }, "no parameter count in: \(line)")
        // 2 ranks, K = 4: one rank sends its 2 micro-batch blocks of the other's half, then its
        // summed half: 3 half-vectors of floats. A vector is every parameter, one presence flag
        // per parameter tensor (a 4-layer RealNVP has a few dozen) and two more values; a half is
        // rounded up, so two halves are that length or one more.
        #expect(bytes % 12 == 0, "\(line)")
        #expect((parameters + 3...parameters + 103).contains(bytes / 12 * 2), "\(line)")
        // One line, from rank 0 only.
        #expect(outcome.stdout.split(separator: "\n").filter { $0.hasPrefix("training on") }.count == 1, "\(outcome.stdout)")
    }
}
