import Foundation

/// Images `[count, C, H, W]` tiled into one picture, each upscaled by an integer factor with
/// nearest-neighbour copies (so 8×8 digits become 32×32 tiles a viewer shows sharply rather
/// than as a blurred speck) and framed by a separator colour. Three channels become RGB; any
/// other channel count is averaged to grey. Shared by the trainer's `samples.svg` and
/// `flowkit sample --out grid.png`.
public enum ImageGrid {
    /// The separator: a mid grey that stands apart from both black backgrounds and white
    /// strokes, so tiles never merge with their neighbours.
    public static let separator: UInt8 = 128

    /// `values` holds intensities on the data's integer scale 0…levels−1 (fractions allowed);
    /// they map linearly onto 0…255. `minimumSide` is the least tile size in pixels, `columns`
    /// defaults to a square-ish grid. Sizes are checked: a shape that does not match the values
    /// or a grid too large for a PNG throws instead of trapping.
    public static func render(
        _ values: [Float], shape: [Int], levels: Int, columns: Int? = nil, minimumSide: Int = 32, spacing: Int = 2
    ) throws -> PNGImage {
        guard shape.count == 4, shape.allSatisfy({ $0 > 0 }) else {
            throw PNGImage.EncodingError(message: "an image grid needs a shape [count, channels, height, width] of positive sizes, got \(shape)")
        }
        let (count, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        var total = 1
        for size in shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: size)
            guard !overflow else { throw PNGImage.EncodingError(message: "the shape \(shape) is too large") }
            total = product
        }
        guard total == values.count else {
            throw PNGImage.EncodingError(message: "the shape \(shape) holds \(total) values, got \(values.count)")
        }
        guard levels >= 2 else { throw PNGImage.EncodingError(message: "images need at least 2 intensity levels, got \(levels)") }
        guard spacing >= 0, spacing <= 64 else { throw PNGImage.EncodingError(message: "spacing \(spacing) must be 0…64") }
        let columns = max(1, min(count, columns ?? Int(Double(count).squareRoot().rounded(.up))))
        let rows = (count + columns - 1) / columns
        // Tiles are integer multiples of the image so every source pixel is an equal square.
        let factor = max(1, min(64, (minimumSide + min(height, width) - 1) / min(height, width)))
        let (tileWidth, tileHeight) = (width * factor, height * factor)
        guard
            let gridWidth = checked(columns, tileWidth, spacing), let gridHeight = checked(rows, tileHeight, spacing)
        else { throw PNGImage.EncodingError(message: "a grid of \(count) images of \(height)×\(width) is too large") }
        let colorType: PNGImage.ColorType = channels == 3 ? .rgb : .grey
        let outputChannels = colorType.channels
        var pixels = [UInt8](
            repeating: separator, count: try PNGImage.byteCount(width: gridWidth, height: gridHeight, colorType: colorType))
        let scale = 255 / Float(levels - 1)
        func byte(_ value: Float) -> UInt8 {
            guard value.isFinite else { return 0 }
            return UInt8(max(0, min(255, (value * scale).rounded())))
        }
        for index in 0..<count {
            let top = spacing + index / columns * (tileHeight + spacing)
            let left = spacing + index % columns * (tileWidth + spacing)
            for y in 0..<height {
                for x in 0..<width {
                    let colour: [UInt8]
                    if colorType == .rgb {
                        colour = (0..<3).map { c in byte(values[((index * channels + c) * height + y) * width + x]) }
                    } else {
                        var sum: Float = 0
                        for c in 0..<channels { sum += values[((index * channels + c) * height + y) * width + x] }
                        colour = [byte(sum / Float(channels))]
                    }
                    for dy in 0..<factor {
                        let rowStart = ((top + y * factor + dy) * gridWidth + left + x * factor) * outputChannels
                        for dx in 0..<factor {
                            for c in 0..<outputChannels { pixels[rowStart + dx * outputChannels + c] = colour[c] }
                        }
                    }
                }
            }
        }
        return try PNGImage(width: gridWidth, height: gridHeight, colorType: colorType, pixels: pixels)
    }

    /// `n` tiles of `tile` pixels with `spacing` between and around them, or nil on overflow.
    private static func checked(_ n: Int, _ tile: Int, _ spacing: Int) -> Int? {
        let (tiles, o1) = n.multipliedReportingOverflow(by: tile)
        let (gaps, o2) = (n + 1).multipliedReportingOverflow(by: spacing)
        let (sum, o3) = tiles.addingReportingOverflow(gaps)
        return o1 || o2 || o3 ? nil : sum
    }
}
