import FlowLayers
import FlowRuntime
import Foundation

/// The issue-25 data: a ring of radius 2.5 with N(0, 0.1²) radial noise, as CSV text.
enum RingData {
    static func csv(count: Int, random: inout RandomStream, on device: any Device) throws -> String {
        let angles = try random.next([count], .uniform, on: device).toArray()
        let noise = try random.next([count], .normal, on: device).toArray()
        let rows = zip(angles, noise).map { angle, noise -> String in
            let (theta, radius) = (2 * Double.pi * Double(angle), 2.5 + 0.1 * Double(noise))
            return "\(Float(radius * cos(theta))),\(Float(radius * sin(theta)))"
        }
        return rows.joined(separator: "\n") + "\n"
    }
}
