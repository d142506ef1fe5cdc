import FlowLayers
import FlowRuntime
import Foundation

/// Built-in 2-D densities, sampled on the fly from a seed. Where the density is known in closed
/// form, `logDensity` gives it and `entropy` its differential entropy, so evaluation can report
/// the gap between a model's NLL and the best achievable (the KL divergence).
public enum ToyDensity: String, CaseIterable, Sendable, Codable {
    /// The seed texts' banana: x2 ~ N(0, 4²), x1 | x2 ~ N(x2²/4, 1) (the "jang" target).
    case banana
    /// Two interleaved half circles with N(0, 0.1²) noise.
    case twoMoons = "moons"
    /// Eight Gaussians N(μ_k, 0.5² I) at μ_k = 4(cos 2πk/8, sin 2πk/8) ("ring8").
    case eightGaussians = "eightgaussians"
    /// Uniform on the 8 "black" cells of the 4×4 grid of side-2 squares on [−4, 4]².
    case checkerboard
    /// Four concentric circles of radii 1…4 with N(0, 0.08²) radial noise.
    case rings

    /// Accepts the workload names too ("jang", "ring8").
    public init?(name: String) {
        switch name.lowercased() {
        case "jang", "banana": self = .banana
        case "ring8", "eightgaussians", "8gaussians": self = .eightGaussians
        default:
            guard let value = ToyDensity(rawValue: name.lowercased()) else { return nil }
            self = value
        }
    }

    /// Differential entropy in nats, where known (the reference values a trained model's NLL is compared with).
    public var entropy: Double? {
        switch self {
        case .banana: return log(2 * Double.pi * M_E) + log(4)
        case .checkerboard: return log(32)
        case .eightGaussians: return 3.5247255
        case .twoMoons, .rings: return nil
        }
    }

    /// `count` samples `[count, 2]` on the host (Philox through the CPU backend, so the same
    /// stream position gives the same points everywhere).
    public func sample(_ count: Int, random: inout RandomStream) throws -> [Float] {
        let cpu = try DeviceRegistry.device(named: "cpu")
        let normal = try random.next([count, 2], .normal, on: cpu).toArray()
        let uniform = try random.next([count, 3], .uniform, on: cpu).toArray()
        var points = [Float](repeating: 0, count: 2 * count)
        for i in 0..<count {
            let (n0, n1) = (Double(normal[2 * i]), Double(normal[2 * i + 1]))
            let (u0, u1, u2) = (Double(uniform[3 * i]), Double(uniform[3 * i + 1]), Double(uniform[3 * i + 2]))
            let point: (Double, Double)
            switch self {
            case .banana:
                let x2 = 4 * n1
                point = (x2 * x2 / 4 + n0, x2)
            case .twoMoons:
                let angle = Double.pi * u0
                point = u1 < 0.5 ? (cos(angle) + 0.1 * n0, sin(angle) + 0.1 * n1) : (1 - cos(angle) + 0.1 * n0, 0.5 - sin(angle) + 0.1 * n1)
            case .eightGaussians:
                let k = Double(min(7, Int(u0 * 8)))
                point = (4 * cos(2 * Double.pi * k / 8) + 0.5 * n0, 4 * sin(2 * Double.pi * k / 8) + 0.5 * n1)
            case .checkerboard:
                // Cell index c ∈ 0..<8 among the black cells, then a uniform position inside it.
                let cell = min(7, Int(u0 * 8))
                let row = cell / 2
                let column = 2 * (cell % 2) + (row % 2)
                point = (-4 + 2 * Double(column) + 2 * u2, -4 + 2 * Double(row) + 2 * u1)
            case .rings:
                let radius = Double(min(3, Int(u0 * 4)) + 1) + 0.08 * n0
                let angle = 2 * Double.pi * u1
                point = (radius * cos(angle), radius * sin(angle))
            }
            points[2 * i] = Float(point.0)
            points[2 * i + 1] = Float(point.1)
        }
        return points
    }

    /// log p(x) in nats where the density is known; nil otherwise.
    public func logDensity(_ x: Double, _ y: Double) -> Double? {
        func logNormal(_ v: Double, _ mean: Double, _ std: Double) -> Double {
            -0.5 * ((v - mean) / std) * ((v - mean) / std) - log(std) - 0.5 * log(2 * Double.pi)
        }
        switch self {
        case .banana:
            return logNormal(y, 0, 4) + logNormal(x, y * y / 4, 1)
        case .checkerboard:
            guard x >= -4, x < 4, y >= -4, y < 4 else { return -.infinity }
            let (i, j) = (Int(((x + 4) / 2).rounded(.down)), Int(((y + 4) / 2).rounded(.down)))
            return (i + j) % 2 == 0 ? -log(32) : -.infinity
        case .eightGaussians:
            let terms = (0..<8).map { k -> Double in
                let angle = 2 * Double.pi * Double(k) / 8
                return logNormal(x, 4 * cos(angle), 0.5) + logNormal(y, 4 * sin(angle), 0.5)
            }
            let top = terms.max() ?? 0
            return top + log(terms.reduce(0) { $0 + exp($1 - top) }) - log(8)
        case .twoMoons, .rings:
            return nil
        }
    }
}
