import CZlib
import Foundation

/// An 8-bit greyscale or RGB picture, encoded as a PNG with zlib's deflate. Each row gets the
/// PNG filter that makes it smallest (the usual minimum-sum-of-differences heuristic), so the
/// flat areas of the heatmaps and upscaled sample grids compress to a few kilobytes.
public struct PNGImage: Equatable, Sendable {
    public enum ColorType: UInt8, Sendable {
        case grey = 0
        case rgb = 2

        public var channels: Int { self == .grey ? 1 : 3 }
    }

    /// Sizes and buffers that do not make a valid PNG; the message says which and why.
    public struct EncodingError: Error, CustomStringConvertible, Equatable {
        public let message: String
        public var description: String { "PNG image: \(message)" }
    }

    public let width: Int
    public let height: Int
    public let colorType: ColorType
    /// Row-major samples, `channels` bytes per pixel.
    public let pixels: [UInt8]

    /// PNG stores sizes as 31-bit integers; a bigger picture is also far beyond what a run's
    /// pictures or a sample grid need, so this bound mostly catches sizes gone wrong.
    public static let maximumPixels = 1 << 28

    public init(width: Int, height: Int, colorType: ColorType, pixels: [UInt8]) throws {
        let expected = try Self.byteCount(width: width, height: height, colorType: colorType)
        guard pixels.count == expected else {
            throw EncodingError(message: "\(width)×\(height) \(colorType) needs \(expected) bytes, got \(pixels.count)")
        }
        self.width = width
        self.height = height
        self.colorType = colorType
        self.pixels = pixels
    }

    /// A picture of one colour (a canvas to draw tiles into).
    public init(width: Int, height: Int, colorType: ColorType, fill: UInt8) throws {
        let count = try Self.byteCount(width: width, height: height, colorType: colorType)
        try self.init(width: width, height: height, colorType: colorType, pixels: [UInt8](repeating: fill, count: count))
    }

    /// `width × height × channels`, checked: sizes come from configs, shapes and options, and
    /// an overflowing or huge product must be an error, not a trap or a giant allocation.
    public static func byteCount(width: Int, height: Int, colorType: ColorType) throws -> Int {
        guard width > 0, height > 0 else { throw EncodingError(message: "size \(width)×\(height) is empty or negative") }
        let (area, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, area <= maximumPixels, width <= Int(Int32.max), height <= Int(Int32.max) else {
            throw EncodingError(message: "size \(width)×\(height) exceeds the limit of \(maximumPixels) pixels")
        }
        return area * colorType.channels
    }

    /// The PNG file: signature, IHDR, one IDAT (zlib stream of the filtered rows), IEND.
    public func encoded() throws -> Data {
        let filtered = filteredRows()
        var bound = compressBound(uLong(filtered.count))
        var compressed = [UInt8](repeating: 0, count: Int(bound))
        let status = compressed.withUnsafeMutableBufferPointer { target in
            filtered.withUnsafeBufferPointer { source in
                compress2(target.baseAddress, &bound, source.baseAddress, uLong(source.count), Z_BEST_COMPRESSION)
            }
        }
        guard status == Z_OK else { throw EncodingError(message: "zlib compress2 failed with status \(status)") }
        compressed.removeLast(compressed.count - Int(bound))
        var header = Self.bigEndian(UInt32(width)) + Self.bigEndian(UInt32(height))
        header += [8, colorType.rawValue, 0, 0, 0]  // bit depth 8, deflate, adaptive filtering, no interlace
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        png += Self.chunk("IHDR", header)
        png += Self.chunk("IDAT", compressed)
        png += Self.chunk("IEND", [])
        return Data(png)
    }

    /// Every row prefixed with its filter type (0 none, 1 sub, 2 up, 3 average, 4 Paeth), the
    /// filter chosen per row by the smallest sum of |signed residuals|, which predicts well
    /// which row deflate will code shortest.
    func filteredRows() -> [UInt8] {
        let stride = width * colorType.channels
        let bpp = colorType.channels
        var output: [UInt8] = []
        output.reserveCapacity((stride + 1) * height)
        var candidate = [UInt8](repeating: 0, count: stride)
        var best = [UInt8](repeating: 0, count: stride)
        let zeros = [UInt8](repeating: 0, count: stride)
        for row in 0..<height {
            let current = pixels[(row * stride)..<((row + 1) * stride)]
            let previous = row == 0 ? zeros[...] : pixels[((row - 1) * stride)..<(row * stride)]
            let (c0, p0) = (current.startIndex, previous.startIndex)
            var bestFilter: UInt8 = 0
            var bestCost = Int.max
            for filter in UInt8(0)...4 {
                var cost = 0
                for i in 0..<stride {
                    let x = current[c0 + i]
                    let a = i >= bpp ? current[c0 + i - bpp] : 0
                    let b = previous[p0 + i]
                    let c = i >= bpp ? previous[p0 + i - bpp] : 0
                    let predicted: UInt8
                    switch filter {
                    case 0: predicted = 0
                    case 1: predicted = a
                    case 2: predicted = b
                    case 3: predicted = UInt8((Int(a) + Int(b)) / 2)
                    default: predicted = Self.paeth(a, b, c)
                    }
                    let residual = x &- predicted
                    candidate[i] = residual
                    cost += Int(Int8(bitPattern: residual).magnitude)
                }
                if cost < bestCost {
                    bestCost = cost
                    bestFilter = filter
                    swap(&best, &candidate)
                }
            }
            output.append(bestFilter)
            output += best
        }
        return output
    }

    static func paeth(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> UInt8 {
        let p = Int(a) + Int(b) - Int(c)
        let (pa, pb, pc) = (abs(p - Int(a)), abs(p - Int(b)), abs(p - Int(c)))
        if pa <= pb && pa <= pc { return a }
        return pb <= pc ? b : c
    }

    private static func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + body
        return bigEndian(UInt32(body.count)) + typed + bigEndian(CRC32.checksum(typed))
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
