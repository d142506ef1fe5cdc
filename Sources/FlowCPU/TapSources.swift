import FlowCore

/// For each tap of a convolution kernel, the input pixel (offset within its plane) that each
/// output pixel reads, or −1 where it falls in the zero padding: im2col and col2im of small
/// images become branch-light loops over a table instead of a library call per image row. The
/// converse table (which output pixel reads each input pixel at a tap; stride 1 makes it unique)
/// serves the convolutions computed on the output side (`CPUDevice+ConvOutputSide`).
final class TapSources {
    private let table: UnsafeMutablePointer<Int32>
    private let readerTable: UnsafeMutablePointer<Int32>
    private let pixels: Int

    init(_ g: ConvGeometry) {
        pixels = g.pixels
        table = .allocate(capacity: max(1, g.taps * g.pixels))
        table.initialize(repeating: -1, count: max(1, g.taps * g.pixels))
        readerTable = .allocate(capacity: max(1, g.taps * g.pixels))
        readerTable.initialize(repeating: -1, count: max(1, g.taps * g.pixels))
        for tap in 0..<g.taps {
            let dyOffset = (tap / g.kernelW) * g.dilationH - g.padTop
            let dxOffset = (tap % g.kernelW) * g.dilationW - g.padLeft
            for y in 0..<g.height {
                for x in 0..<g.width {
                    let (sourceY, sourceX) = (y + dyOffset, x + dxOffset)
                    guard sourceY >= 0, sourceY < g.height, sourceX >= 0, sourceX < g.width else { continue }
                    table[tap * g.pixels + y * g.width + x] = Int32(sourceY * g.width + sourceX)
                    readerTable[tap * g.pixels + sourceY * g.width + sourceX] = Int32(y * g.width + x)
                }
            }
        }
    }

    deinit {
        table.deallocate()
        readerTable.deallocate()
    }

    /// The table of `tap`: `pixels` entries, valid while `self` is alive.
    func offsets(_ tap: Int) -> UnsafePointer<Int32> { UnsafePointer(table + tap * pixels) }

    /// For each input pixel, the output pixel that reads it at `tap`, or −1 (`pixels` entries).
    func readers(_ tap: Int) -> UnsafePointer<Int32> { UnsafePointer(readerTable + tap * pixels) }
}
