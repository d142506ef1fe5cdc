import Foundation
import Testing

/// Runs the built `flowkit` binary, as a user would, and checks its output and exit status.
struct CLITests {
    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func binary() -> String? {
        let directory = Bundle.main.bundleURL.deletingLastPathComponent().path
        let candidates = [Bundle.main.bundleURL.appendingPathComponent("flowkit").path, "\(directory)/flowkit"]
        return candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) })
    }

    /// Runs the binary; `environment` entries are added to (or, with nil values, removed from) ours.
    static func run(_ arguments: [String], environment: [String: String?] = [:]) throws -> Outcome {
        guard let binary = binary() else {
            Issue.record("flowkit binary not found next to the test bundle (\(Bundle.main.bundleURL.path))")
            return Outcome(status: -1, stdout: "", stderr: "")
        }
        return try launch(binary, arguments, environment: environment)
    }

    /// Runs any executable to its end and collects what it wrote (the MPI tests start `mpirun`).
    static func launch(_ executable: String, _ arguments: [String], environment: [String: String?] = [:]) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var variables = ProcessInfo.processInfo.environment
        for (key, value) in environment { variables[key] = value }
        process.environment = variables
        let (out, err) = (Pipe(), Pipe())
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    @Test func devicesJSONListsTheCPU() throws {
        let outcome = try Self.run(["devices", "--json"])
        #expect(outcome.status == 0, "stderr: \(outcome.stderr)")
        let entries = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [[String: Any]]
        let names = entries?.compactMap { $0["name"] as? String } ?? []
        #expect(names.first == "cpu")
        #expect(entries?.first?["hardware"] as? String == "cpu")
        for entry in entries ?? [] {
            for key in ["kind", "index", "device", "vendor", "driver", "memoryBytes", "computeUnits", "hardware"] {
                #expect(entry[key] != nil, "device entry lacks \(key): \(entry)")
            }
            #expect(["cpu", "gpu", "accelerator", "other"].contains(entry["hardware"] as? String ?? ""), "\(entry)")
        }
    }

    @Test func devicesTableListsOpenCLWhenPresent() throws {
        let outcome = try Self.run(["devices"])
        #expect(outcome.status == 0)
        #expect(outcome.stdout.contains("cpu"))
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            #expect(outcome.stdout.contains("opencl:0"), "CI must have an OpenCL device (PoCL): \(outcome.stdout)")
        }
    }

    /// Without a CUDA driver (here, CI) `flowkit devices` still works and says why there is no CUDA
    /// device, and asking for one fails with that reason instead of a crash.
    @Test func cudaSelectorsFailClearlyWithoutACUDADevice() throws {
        let listing = try Self.run(["devices", "--json"])
        #expect(listing.status == 0, "stderr: \(listing.stderr)")
        let entries = try JSONSerialization.jsonObject(with: Data(listing.stdout.utf8)) as? [[String: Any]] ?? []
        guard !entries.contains(where: { $0["kind"] as? String == "cuda" }) else { try Test.cancel("this machine has a CUDA device") }
        let table = try Self.run(["devices"])
        #expect(table.status == 0 && table.stderr.contains("no CUDA device"), "stderr: \(table.stderr)")
        for arguments in [["check", "--device", "cuda"], ["bench", "--device", "cuda:1", "--repeats", "1"]] {
            let outcome = try Self.run(arguments)
            #expect(outcome.status != 0, "\(arguments)")
            #expect(outcome.stderr.contains("no CUDA device") && outcome.stderr.contains("libcuda.so.1"), "\(arguments): \(outcome.stderr)")
            // cuda is a known kind without a device here, not an unknown name.
            #expect(outcome.stderr.contains("'\(arguments[2])' is a known device, but none is available here: no CUDA device"), "\(outcome.stderr)")
            #expect(!outcome.stderr.contains("unknown device"), "\(arguments): \(outcome.stderr)")
        }
    }

    @Test(arguments: [
        (["bench", "--device", "gpu"], "unknown device 'gpu'"),
        (["bench", "--device", "opencl:99"], "unknown device 'opencl:99'"),
        (["bench", "--repeats", "0"], "--repeats must be in 1...10000, got 0"),
        (["bench", "--repeats", "-3"], "--repeats must be in 1...10000, got -3"),
        (["bench", "--workload", "W9"], "unknown workload 'W9'; expected W1, W2, W3, W4, W5 or realnvp-2d"),
    ])
    func badInputFailsWithAClearMessage(arguments: [String], message: String) throws {
        let outcome = try Self.run(arguments)
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains(message), "stderr was: \(outcome.stderr)")
    }

    /// On a kernel device the workload's line counts the kernels of a training step, a `logProb`
    /// and a sampling call; the CPU enqueues no kernels, so its line has no such field.
    @Test func benchCountsKernelLaunchesOnKernelDevices() throws {
        let cpu = try Self.run(["bench", "--workload", "W1", "--device", "cpu", "--steps", "1"])
        #expect(cpu.status == 0, "stderr: \(cpu.stderr)")
        let cpuLine = try JSONSerialization.jsonObject(with: Data(cpu.stdout.utf8)) as? [String: Any]
        #expect(cpuLine?["kernelLaunches"] == nil)
        let devices = try Self.run(["devices", "--json"])
        let entries = (try JSONSerialization.jsonObject(with: Data(devices.stdout.utf8)) as? [[String: Any]]) ?? []
        guard entries.contains(where: { $0["kind"] as? String == "opencl" }) else {
            #expect(ProcessInfo.processInfo.environment["CI"] != "true", "CI must have an OpenCL device (PoCL)")
            try Test.cancel("no OpenCL device on this machine")
        }
        let opencl = try Self.run(["bench", "--workload", "W1", "--device", "opencl", "--steps", "1"])
        #expect(opencl.status == 0, "stderr: \(opencl.stderr)")
        let line = try JSONSerialization.jsonObject(with: Data(opencl.stdout.utf8)) as? [String: Any]
        let launches = try #require(line?["kernelLaunches"] as? [String: Int])
        // Eight fused couplings of two hidden layers: 5 launches each forward, 13 backward.
        let (train, logProb, sample) = (launches["train"] ?? 0, launches["logProb"] ?? 0, launches["sample"] ?? 0)
        #expect(logProb >= 8 * 5 && sample >= 8 * 5, "\(launches)")
        #expect(train >= 8 * (5 + 13) && train > logProb, "\(launches)")
        // The training step per kernel: the same launches, by name.
        let byKernel = try #require(line?["trainLaunchesByKernel"] as? [String: Int])
        #expect(byKernel.values.reduce(0, +) == train, "\(byKernel)")
        #expect(byKernel["mlp_coupling_fwd"] == 8 && byKernel["adam_step_group"] != nil, "\(byKernel)")
    }

    /// `bench --workload W5 --export` (what `bench/peers.py`'s cross-check runs, with fewer steps)
    /// prints the workload's JSON line and writes its weights under their documented names, the
    /// batch and its log-densities. The safetensors header is read by hand: 8 bytes of
    /// little-endian length, then JSON.
    @Test func benchExportsTheSplineWorkload() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flowkit-w5-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let outcome = try Self.run(["bench", "--workload", "nsf-d16", "--device", "cpu", "--steps", "1", "--export", folder.path])
        #expect(outcome.status == 0, "stderr: \(outcome.stderr)")
        let line = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]
        #expect(line?["workload"] as? String == "W5")
        #expect(line?["name"] as? String == "nsf-d16")
        #expect(line?["parameters"] as? Int == 165_600)
        let data = try Data(contentsOf: folder.appendingPathComponent("W5.safetensors"))
        try #require(data.count > 8)
        let length = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        try #require(data.count >= 8 + length)
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as? [String: Any] ?? [:]
        let shape = { (name: String) in (header[name] as? [String: Any])?["shape"] as? [Int] }
        #expect(shape("nsf.coupling3.net.layer2.weight") == [184, 128])
        #expect(shape("nsf.coupling0.net.layer0.bias") == [128])
        #expect(shape("batch") == [256, 16])
        #expect(shape("logProb") == [256])
        #expect(header.keys.filter { $0.hasPrefix("nsf.") }.count == 24)
    }
}
