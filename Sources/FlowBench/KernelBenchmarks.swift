import CBLAS
import FlowKernelDevice
import FlowRuntime
import Foundation

/// The runtime benchmarks of the runtime issue: matrix products and the 3×3 convolution, each
/// product beside a yardstick where one is at hand (OpenBLAS on the CPU, CLBlast on OpenCL).
package struct KernelBenchmarks {
    let device: any Device
    let repeats: Int

    package init(device: any Device, repeats: Int) {
        self.device = device
        self.repeats = repeats
    }

    /// M×N×K: the two shapes and a W1-like small one (a 128-wide MLP layer, batch 512).
    static let gemmShapes = [(1024, 1024, 1024), (512, 256, 256), (512, 128, 128)]

    package func run() throws -> [any BenchLine] {
        var results: [any BenchLine] = []
        // Opened once per device; its absence is reported on each row it would have filled.
        let clblast: Result<CLBlast, any Error>? = device is OpenCLDevice ? Result(catching: { try CLBlast.load() }) : nil
        for (m, n, k) in Self.gemmShapes {
            let a = try Tensor.random([m, k], .normal, seed: 1, on: device)
            let b = try Tensor.random([k, n], .normal, seed: 2, on: device)
            let ours = try measure("matmul", "\(m)×\(n)×\(k)", flops: 2 * Double(m * n * k)) { _ = try a.matmul(b) }
            results.append(ours)
            if device.info.kind == .cpu { results.append(try rawSgemm(m: m, n: n, k: k, ours: ours)) }
            if let openCL = device as? OpenCLDevice, let clblast {
                switch clblast {
                case let .success(library):
                    // A yardstick that fails on this device (CLBlast refuses it) is reported, not fatal.
                    do {
                        results.append(try clblastSgemm(library, on: openCL, a: a, b: b, ours: ours))
                    } catch let error as CLBlastError {
                        results.append(BenchNote(device: device.info.selector, name: "clblast sgemm", shape: ours.shape, note: "\(error)"))
                    }
                case let .failure(error):
                    results.append(BenchNote(device: device.info.selector, name: "clblast sgemm", shape: ours.shape, note: Self.absence(error)))
                }
            }
        }
        let input = try Tensor.random([64, 64, 16, 16], .normal, seed: 3, on: device)
        let weight = try Tensor.random([64, 64, 3, 3], .normal, seed: 4, on: device)
        let bias = try Tensor.zeros([64], on: device)
        let convFlops = 2.0 * 64 * 64 * 16 * 16 * 64 * 9
        results.append(try measure("conv2d 3×3", "[64,64,16,16]→64", flops: convFlops) { _ = try input.conv2d(weight: weight, bias: bias) })
        return results
    }

    /// What the CLBlast row says when the library could not be opened.
    static func absence(_ error: any Error) -> String {
        if case .some(.notFound) = error as? DynamicLibraryError { return "CLBlast not found (\(CLBlast.libraryName))" }
        return "CLBlast unusable: \(error)"
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

    /// OpenBLAS's sgemm called directly, without flowkit in between, on OpenBLAS's own threads (as
    /// many as the CPU backend's, `CPUThreads`; the backend sets OpenBLAS to one thread and splits
    /// products itself): the yardstick.
    private func rawSgemm(m: Int, n: Int, k: Int, ours: BenchResult) throws -> BenchResult {
        let previous = openblas_get_num_threads()
        openblas_set_num_threads(Int32(CPUThreads.count))
        defer { openblas_set_num_threads(previous) }
        var a = [Float](repeating: 0.5, count: m * k)
        var b = [Float](repeating: 0.25, count: k * n)
        var c = [Float](repeating: 0, count: m * n)
        var result = try measure("openblas sgemm", "\(m)×\(n)×\(k)", flops: 2 * Double(m * n * k)) {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, &a, Int32(k), &b, Int32(n), 0, &c, Int32(n))
        }
        result.oursOverYardstick = ours.gflops / result.gflops
        return result
    }

    /// CLBlast's sgemm on the device's own queue, from the same operands as our matmul: first
    /// checked against our product (the largest difference is printed), then timed like it.
    private func clblastSgemm(_ clblast: CLBlast, on device: OpenCLDevice, a: Tensor, b: Tensor, ours: BenchResult) throws -> BenchResult {
        let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
        let spec = GemmSpec(m: m, n: n, k: k)
        let c = try Tensor.zeros([m, n], on: device)
        try clblast.sgemm(spec, a: a.buffer, b: b.buffer, c: c.buffer, on: device)
        let product = try a.matmul(b).toArray()
        let difference = CLBlastComparison.maxAbsDifference(product, try c.toArray())
        var result = try measure("clblast sgemm", ours.shape, flops: ours.flops) {
            try clblast.sgemm(spec, a: a.buffer, b: b.buffer, c: c.buffer, on: device)
        }
        result.oursOverYardstick = ours.gflops / result.gflops
        result.maxAbsDifference = Double(difference)
        return result
    }
}
