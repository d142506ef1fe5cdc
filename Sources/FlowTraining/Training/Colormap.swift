import Foundation

/// A perceptually uniform colour ramp for heatmaps: matplotlib's viridis (dark blue → green →
/// yellow), given by eleven control points and interpolated linearly between them. Lightness
/// rises monotonically, so the picture reads the same in greyscale and to colour-blind eyes.
enum Colormap {
    /// viridis at t = 0, 0.1, …, 1.
    static let viridis: [(UInt8, UInt8, UInt8)] = [
        (0x44, 0x01, 0x54), (0x48, 0x24, 0x75), (0x41, 0x44, 0x87), (0x35, 0x5F, 0x8D), (0x2A, 0x78, 0x8E), (0x21, 0x91, 0x8C),
        (0x22, 0xA8, 0x84), (0x44, 0xBF, 0x70), (0x7A, 0xD1, 0x51), (0xBD, 0xDF, 0x26), (0xFD, 0xE7, 0x25),
    ]

    /// The colour at t in 0…1 (clamped; NaN gives the bottom colour).
    static func rgb(_ t: Double) -> (UInt8, UInt8, UInt8) {
        let t = t.isNaN ? 0 : max(0, min(1, t))
        let position = t * Double(viridis.count - 1)
        let index = min(viridis.count - 2, Int(position))
        let f = position - Double(index)
        let (a, b) = (viridis[index], viridis[index + 1])
        func mix(_ x: UInt8, _ y: UInt8) -> UInt8 { UInt8((Double(x) + (Double(y) - Double(x)) * f).rounded()) }
        return (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }

    /// The colour at t as an SVG colour (`#rrggbb`).
    static func hex(_ t: Double) -> String {
        let (r, g, b) = rgb(t)
        return String(format: "#%02x%02x%02x", r, g, b)
    }
}
