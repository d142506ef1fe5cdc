/// For each tap of a convolution kernel, the input pixel (offset within its plane) that each
/// output pixel reads, or −1 where it falls in the zero padding: im2col and col2im of small
/// images become branch-light loops over a table instead of a library call per image row.
final class TapSources {
    private let table: UnsafeMutablePointer<Int32>
    private let pixels: Int

    init(_ g: ConvGeometry) {
        pixels = g.pixels
        table = .allocate(capacity: max(1, g.taps * g.pixels))
        table.initialize(repeating: -1, count: max(1, g.taps * g.pixels))
        for tap in 0..<g.taps {
            let dyOffset = (tap / g.kernelW) * g.dilationH - g.padTop
            let dxOffset = (tap % g.kernelW) * g.dilationW - g.padLeft
            for y in 0..<g.height {
                for x in 0..<g.width {
                    let (sourceY, sourceX) = (y + dyOffset, x + dxOffset)
                    guard sourceY >= 0, sourceY < g.height, sourceX >= 0, sourceX < g.width else { continue }
                    table[tap * g.pixels + y * g.width + x] = Int32(sourceY * g.width + sourceX)
                }
            }
        }
    }

    deinit { table.deallocate() }

    /// The table of `tap`: `pixels` entries, valid while `self` is alive.
    func offsets(_ tap: Int) -> UnsafePointer<Int32> { UnsafePointer(table + tap * pixels) }
}
