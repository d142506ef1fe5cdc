import CBLAS
import FlowRuntime
import Foundation

/// One measured figure.
struct BenchResult {
    let device: String
    let name: String
    let shape: String
    let seconds: [Double]
    let flops: Double

    var median: Double { seconds.sorted()[seconds.count / 2] }
    var gflops: Double { flops / median / 1e9 }

    var line: String {
        device.padding(toLength: 10, withPad: " ", startingAt: 0) + name.padding(toLength: 16, withPad: " ", startingAt: 0)
            + shape.padding(toLength: 20, withPad: " ", startingAt: 0)
            + String(format: "%9.3f ms %8.1f GFLOP/s", median * 1e3, gflops)
    }

    var json: String {
        let sorted = seconds.sorted()
        return String(
            format: #"{"device":"%@","op":"%@","shape":"%@","medianMs":%.4f,"minMs":%.4f,"maxMs":%.4f,"gflops":%.2f}"#,
            device, name, shape, median * 1e3, sorted[0] * 1e3, sorted[sorted.count - 1] * 1e3, gflops)
    }
}

/// The runtime benchmarks of the runtime issue: matrix products and the 3×3 convolution.
struct KernelBenchmarks {
    let device: any Device
    let repeats: Int

    func run() throws -> [BenchResult] {
        var results: [BenchResult] = []
        for (m, n, k) in [(1024, 1024, 1024), (512, 256, 256)] {
            let a = try Tensor.random([m, k], .normal, seed: 1, on: device)
            let b = try Tensor.random([k, n], .normal, seed: 2, on: device)
            results.append(try measure("matmul", "\(m)×\(n)×\(k)", flops: 2 * Double(m * n * k)) { _ = try a.matmul(b) })
            if device.info.kind == .cpu { results.append(try rawSgemm(m: m, n: n, k: k)) }
        }
        let input = try Tensor.random([64, 64, 16, 16], .normal, seed: 3, on: device)
        let weight = try Tensor.random([64, 64, 3, 3], .normal, seed: 4, on: device)
        let bias = try Tensor.zeros([64], on: device)
        let convFlops = 2.0 * 64 * 64 * 16 * 16 * 64 * 9
        results.append(try measure("conv2d 3×3", "[64,64,16,16]→64", flops: convFlops) { _ = try input.conv2d(weight: weight, bias: bias) })
        return results
    }

    private func measure(_ name: String, _ shape: String, flops: Double, _ body: () throws -> Void) throws -> BenchResult {
        for _ in 0..<2 { try body() }
        try device.synchronize()
        var seconds: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            try device.synchronize()
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return BenchResult(device: device.info.selector, name: name, shape: shape, seconds: seconds, flops: flops)
    }

    /// OpenBLAS's sgemm called directly, without flowkit in between, on OpenBLAS's own threads (one
    /// per core; the CPU backend sets it to one thread and splits products itself): the yardstick.
    private func rawSgemm(m: Int, n: Int, k: Int) throws -> BenchResult {
        let previous = openblas_get_num_threads()
        openblas_set_num_threads(Int32(ProcessInfo.processInfo.activeProcessorCount))
        defer { openblas_set_num_threads(previous) }
        var a = [Float](repeating: 0.5, count: m * k)
        var b = [Float](repeating: 0.25, count: k * n)
        var c = [Float](repeating: 0, count: m * n)
        return try measure("openblas sgemm", "\(m)×\(n)×\(k)", flops: 2 * Double(m * n * k)) {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, &a, Int32(k), &b, Int32(n), 0, &c, Int32(n))
        }
    }
}
