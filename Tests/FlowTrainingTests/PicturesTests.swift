import CZlib
import FlowLayers
import FlowRuntime
import Foundation
import Testing

@testable import FlowTraining

/// The run's pictures and the pieces they are made of: zlib's CRC-32, the PNG encoder (decoded
/// back here by an independent reader), image grids, axis ticks, the y-range choice, and the
/// SVGs a short training run writes.
@Suite(.serialized) struct PicturesTests {
    /// Set FLOWKIT_PICTURES_OUT to a folder to keep the pictures these tests draw, for a look.
    static func runDirectory(_ name: String) throws -> (RunDirectory, keep: Bool) {
        if let folder = ProcessInfo.processInfo.environment["FLOWKIT_PICTURES_OUT"] {
            let url = URL(fileURLWithPath: folder).appendingPathComponent(name)
            try? FileManager.default.removeItem(at: url)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            return (RunDirectory(url.path), true)
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("flowkit-pictures-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return (RunDirectory(url.path), false)
    }

    static func writeMetrics(_ lines: [String], to run: RunDirectory) throws {
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: run.metrics)
    }

    static func svg(_ run: RunDirectory, _ name: String) throws -> String {
        String(decoding: try Data(contentsOf: run.picture(name)), as: UTF8.self)
    }

    static func occurrences(of needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    // MARK: CRC-32

    @Test func crc32MatchesKnownVectors() {
        #expect(CRC32.checksum([UInt8]()) == 0)
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
        #expect(CRC32.checksum(Array("a".utf8)) == 0xE8B7_BE43)
        #expect(CRC32.checksum([UInt8](repeating: 0, count: 32)) == 0x190A_55AD)
        // Data, contiguous arrays and sequences without contiguous storage agree.
        let bytes = Array("123456789".utf8)
        #expect(CRC32.checksum(Data(bytes)) == 0xCBF4_3926)
        #expect(CRC32.checksum(bytes.lazy.map { $0 }) == 0xCBF4_3926)
        #expect(CRC32.checksum(AnySequence(bytes)) == 0xCBF4_3926)
        // `initial` continues a checksum over a split buffer.
        #expect(CRC32.checksum(bytes[4...], initial: CRC32.checksum(bytes[..<4])) == 0xCBF4_3926)
        #expect(Self.bitwiseCRC(Array(0...255)) == CRC32.checksum(Array(UInt8(0)...255)))
    }

    /// The CRC-32 definition, bit by bit, independent of zlib and of the encoder under test.
    static func bitwiseCRC(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    // MARK: PNG

    struct DecodedPNG {
        var width = 0
        var height = 0
        var bitDepth: UInt8 = 0
        var colorType: UInt8 = 0
        var pixels: [UInt8] = []
        var filters: [UInt8] = []
        var chunkTypes: [String] = []
        var idatBytes = 0
    }

    struct DecodeError: Error, CustomStringConvertible {
        let description: String
    }

    /// A strict PNG reader for 8-bit grey/RGB: signature, chunk CRCs, IHDR, zlib's `uncompress`
    /// of the IDAT stream, and all five row filters undone.
    static func decodePNG(_ data: Data) throws -> DecodedPNG {
        let bytes = [UInt8](data)
        guard bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else { throw DecodeError(description: "no PNG signature") }
        func be(_ at: Int) -> Int { Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3]) }
        var png = DecodedPNG()
        var compressed: [UInt8] = []
        var offset = 8
        while offset + 12 <= bytes.count {
            let length = be(offset)
            guard offset + 12 + length <= bytes.count else { throw DecodeError(description: "truncated chunk") }
            let typed = Array(bytes[(offset + 4)..<(offset + 8 + length)])
            let type = String(decoding: typed.prefix(4), as: UTF8.self)
            guard UInt32(be(offset + 8 + length)) == bitwiseCRC(typed) else { throw DecodeError(description: "bad CRC in \(type)") }
            png.chunkTypes.append(type)
            let body = Array(typed.dropFirst(4))
            switch type {
            case "IHDR":
                png.width = Int(body[0]) << 24 | Int(body[1]) << 16 | Int(body[2]) << 8 | Int(body[3])
                png.height = Int(body[4]) << 24 | Int(body[5]) << 16 | Int(body[6]) << 8 | Int(body[7])
                png.bitDepth = body[8]
                png.colorType = body[9]
                guard body[10] == 0, body[11] == 0, body[12] == 0 else { throw DecodeError(description: "unexpected compression/filter/interlace") }
            case "IDAT":
                compressed += body
            default: break
            }
            offset += 12 + length
        }
        guard offset == bytes.count else { throw DecodeError(description: "trailing bytes") }
        png.idatBytes = compressed.count
        let channels = png.colorType == 2 ? 3 : 1
        let stride = png.width * channels
        var raw = [UInt8](repeating: 0, count: (stride + 1) * png.height)
        var rawLength = uLongf(raw.count)
        let status = raw.withUnsafeMutableBufferPointer { target in
            compressed.withUnsafeBufferPointer { uncompress(target.baseAddress, &rawLength, $0.baseAddress, uLong($0.count)) }
        }
        guard status == Z_OK, Int(rawLength) == raw.count else { throw DecodeError(description: "uncompress: status \(status), \(rawLength) bytes") }
        var previous = [UInt8](repeating: 0, count: stride)
        for row in 0..<png.height {
            let filter = raw[row * (stride + 1)]
            png.filters.append(filter)
            var current = Array(raw[(row * (stride + 1) + 1)..<((row + 1) * (stride + 1))])
            for i in 0..<stride {
                let a = i >= channels ? Int(current[i - channels]) : 0
                let b = Int(previous[i])
                let c = i >= channels ? Int(previous[i - channels]) : 0
                let predicted: Int
                switch filter {
                case 0: predicted = 0
                case 1: predicted = a
                case 2: predicted = b
                case 3: predicted = (a + b) / 2
                case 4:
                    let p = a + b - c
                    let (pa, pb, pc) = (abs(p - a), abs(p - b), abs(p - c))
                    predicted = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
                default: throw DecodeError(description: "filter type \(filter)")
                }
                current[i] = current[i] &+ UInt8(predicted & 0xFF)
            }
            png.pixels += current
            previous = current
        }
        return png
    }

    @Test func pngRoundTripsGreyAndRGB() throws {
        // Noise, gradients and flat runs, so several filter types are chosen.
        var state: UInt32 = 12345
        func noise() -> UInt8 {
            state = state &* 1_664_525 &+ 1_013_904_223
            return UInt8(state >> 24)
        }
        let (width, height) = (37, 23)
        var grey: [UInt8] = []
        for y in 0..<height { for x in 0..<width { grey.append(y < 8 ? noise() : y < 16 ? UInt8((x * 7 + y * 3) & 0xFF) : 200) } }
        let image = try PNGImage(width: width, height: height, colorType: .grey, pixels: grey)
        let decoded = try Self.decodePNG(image.encoded())
        #expect(decoded.chunkTypes == ["IHDR", "IDAT", "IEND"])
        #expect(decoded.width == width && decoded.height == height && decoded.bitDepth == 8 && decoded.colorType == 0)
        #expect(decoded.pixels == grey)
        #expect(Set(decoded.filters).count > 1, "filters \(decoded.filters)")

        let rgb = (0..<(width * height * 3)).map { i in i % 3 == 0 ? noise() : UInt8((i / 3) % width * 6) }
        let colour = try Self.decodePNG(PNGImage(width: width, height: height, colorType: .rgb, pixels: rgb).encoded())
        #expect(colour.colorType == 2 && colour.width == width && colour.pixels == rgb)
    }

    @Test func pngIsCompressed() throws {
        // A 160×160 RGB gradient is 76,800 bytes raw; deflate with filtering makes it tiny.
        let side = 160
        var pixels: [UInt8] = []
        for y in 0..<side { for x in 0..<side { pixels += [UInt8(x), UInt8(y), 128] } }
        let data = try PNGImage(width: side, height: side, colorType: .rgb, pixels: pixels).encoded()
        #expect(data.count < 4000, "\(data.count) bytes")
        #expect(try Self.decodePNG(data).pixels == pixels)
    }

    @Test func pngRejectsBadSizesWithoutTrapping() {
        #expect(throws: PNGImage.EncodingError.self) { try PNGImage(width: 0, height: 4, colorType: .grey, pixels: []) }
        #expect(throws: PNGImage.EncodingError.self) { try PNGImage(width: -3, height: -4, colorType: .grey, pixels: [UInt8](repeating: 0, count: 12)) }
        #expect(throws: PNGImage.EncodingError.self) { try PNGImage(width: Int.max, height: 2, colorType: .rgb, pixels: []) }
        #expect(throws: PNGImage.EncodingError.self) { try PNGImage(width: 1 << 20, height: 1 << 20, colorType: .grey, fill: 0) }
        #expect(throws: PNGImage.EncodingError.self) { try PNGImage(width: 4, height: 4, colorType: .rgb, pixels: [UInt8](repeating: 0, count: 16)) }
        #expect(throws: PNGImage.EncodingError.self) { try ImageGrid.render([1, 2, 3], shape: [1, 1, 2, 2], levels: 4) }
        #expect(throws: PNGImage.EncodingError.self) { try ImageGrid.render([], shape: [Int.max, 2, 2, 2], levels: 4) }
        #expect(throws: PNGImage.EncodingError.self) { try ImageGrid.render([0], shape: [1, 1, 1], levels: 4) }
        #expect(throws: PNGImage.EncodingError.self) { try ImageGrid.render([0], shape: [1, 1, 1, 1], levels: 1) }
    }

    // MARK: image grids

    @Test func gridUpscalesTilesWithSpacing() throws {
        // 64 images of 8×8 with levels 0…16, image i's pixel (y, x) = (i + y + x) % 17.
        let (count, side, levels) = (64, 8, 17)
        var values: [Float] = []
        for i in 0..<count { for y in 0..<side { for x in 0..<side { values.append(Float((i + y + x) % levels)) } } }
        let grid = try ImageGrid.render(values, shape: [count, 1, side, side], levels: levels)
        // 8 columns of 32-pixel tiles (factor 4), 2 pixels between and around: 8·32 + 9·2.
        #expect(grid.width == 274 && grid.height == 274 && grid.colorType == .grey)
        let decoded = try Self.decodePNG(grid.encoded())
        #expect(decoded.pixels == grid.pixels)
        func pixel(_ x: Int, _ y: Int) -> UInt8 { grid.pixels[y * grid.width + x] }
        for (i, y, x) in [(0, 0, 0), (9, 3, 5), (63, 7, 7), (27, 0, 7)] {
            let expected = UInt8((Float((i + y + x) % levels) * 255 / 16).rounded())
            let (left, top) = (2 + (i % 8) * 34 + x * 4, 2 + (i / 8) * 34 + y * 4)
            for dy in 0..<4 { for dx in 0..<4 { #expect(pixel(left + dx, top + dy) == expected, "image \(i) pixel (\(y), \(x))") } }
        }
        // Spacing rows and columns hold the separator.
        #expect((0..<grid.width).allSatisfy { pixel($0, 0) == ImageGrid.separator && pixel($0, 34) == ImageGrid.separator })
        #expect((0..<grid.height).allSatisfy { pixel(35, $0) == ImageGrid.separator })
    }

    @Test func gridKeepsColourAndClampsBadValues() throws {
        // One 2×2 RGB image with levels 0…255: channel planes R, G, B; NaN and out-of-range clamp.
        let values: [Float] = [255, 0, .nan, 300, /* G */ 0, 255, 0, -5, /* B */ 0, 0, 255, 128]
        let grid = try ImageGrid.render(values, shape: [1, 3, 2, 2], levels: 256, minimumSide: 2, spacing: 1)
        #expect(grid.colorType == .rgb && grid.width == 4 && grid.height == 4)
        func rgb(_ x: Int, _ y: Int) -> [UInt8] { Array(grid.pixels[((y * 4 + x) * 3)..<((y * 4 + x) * 3 + 3)]) }
        #expect(rgb(1, 1) == [255, 0, 0] && rgb(2, 1) == [0, 255, 0] && rgb(1, 2) == [0, 0, 255] && rgb(2, 2) == [255, 0, 128])
        #expect(rgb(0, 0) == [ImageGrid.separator, ImageGrid.separator, ImageGrid.separator])
        // A 28×28 image grows to 56 pixels (the least integer factor reaching 32).
        let mnist = try ImageGrid.render([Float](repeating: 0, count: 2 * 28 * 28), shape: [2, 1, 28, 28], levels: 256, spacing: 0)
        #expect(mnist.width == 112 && mnist.height == 56)
    }

    // MARK: axes

    @Test func ticksAreRoundAndCoverTheRange() {
        let ranges: [(Double, Double)] = [(4.189, 4.449), (0, 600), (-13.2, -3.1), (150.4, 1021), (-0.003, 0.0071), (2.5e6, 9.1e7), (-20, 20), (7, 7)]
        for (low, high) in ranges {
            let axis = Axis(low: low, high: high, start: 0, end: 100).roundedOut()
            let ticks = axis.ticks()
            #expect(ticks.count >= 3 && ticks.count <= 12, "\(low)…\(high): \(ticks)")
            #expect(axis.low <= low && axis.high >= high, "\(low)…\(high) → \(axis.low)…\(axis.high)")
            // Rounded out, the first and last ticks sit on the ends.
            #expect(abs((ticks.first ?? .nan) - axis.low) < 1e-9 * max(1, abs(axis.low)), "\(low)…\(high): \(ticks)")
            #expect(abs((ticks.last ?? .nan) - axis.high) < 1e-9 * max(1, abs(axis.high)), "\(low)…\(high): \(ticks)")
            let step = ticks[1] - ticks[0]
            let mantissa = step / pow(10, (log10(step) + 1e-9).rounded(.down))
            #expect([1, 2, 5].contains { abs(mantissa - $0) < 1e-6 }, "step \(step)")
            for tick in ticks { #expect(abs(tick / step - (tick / step).rounded()) < 1e-6, "\(tick) is not a multiple of \(step)") }
            let labels = axis.labels(ticks)
            #expect(Set(labels).count == labels.count, "labels \(labels)")
        }
        // Ends that already are tick values stay where they are.
        #expect(Axis(low: 0, high: 600, start: 0, end: 1).roundedOut().ticks() == [0, 100, 200, 300, 400, 500, 600])
        #expect(Axis(low: -20, high: 20, start: 0, end: 1).roundedOut().ticks().first == -20)
        let axis = Axis(low: 4.189, high: 4.449, start: 0, end: 1).roundedOut()
        #expect(axis.labels(axis.ticks()) == ["4.15", "4.20", "4.25", "4.30", "4.35", "4.40", "4.45"])
        let negative = Axis(low: -13.2, high: -3.1, start: 0, end: 1).roundedOut()
        #expect(negative.labels(negative.ticks()).first == "\u{2212}14" && negative.labels(negative.ticks()).last == "\u{2212}2")
    }

    @Test func logTicksArePowersOfTen() {
        let axis = Axis(scale: .log10, low: 3.1, high: 4800, start: 400, end: 0).roundedOut()
        #expect(axis.low == 1 && axis.high == 10000)
        #expect(axis.ticks() == [1, 10, 100, 1000, 10000])
        #expect(axis.labels(axis.ticks()) == ["1", "10", "100", "1000", "10000"])
        #expect(abs(axis.position(100) - 200) < 1e-9)
        let narrow = Axis(scale: .log10, low: 2.4, high: 38, start: 0, end: 1).roundedOut()
        #expect(narrow.ticks() == [2, 5, 10, 20, 50])
        let wide = Axis(scale: .log10, low: 1e-3, high: 1e9, start: 0, end: 1).roundedOut()
        #expect(wide.ticks().count <= 7 && wide.labels(wide.ticks()).contains("1e9"))
    }

    // MARK: y range

    @Test func rangeChoosesLogOrClipsWhenValuesSpanOrdersOfMagnitude() throws {
        // Positive, from thousands to a few: log scale.
        let decaying = (0..<100).map { 3 + 5000 * exp(-Double($0) / 8) }
        #expect(try #require(ValueRange.choose(for: decaying)).scale == .log10)
        // Negative values rule out a log axis; the early outliers are clipped instead.
        let negative = [900.0, 300] + (0..<98).map { -5 + sin(Double($0)) }
        let clipped = try #require(ValueRange.choose(for: negative))
        #expect(clipped.scale == .linear && clipped.clipped && clipped.high < 10 && clipped.low >= -6)
        let note = try #require(clipped.note(for: negative, shown: (clipped.low, clipped.high)))
        #expect(note.contains("2 of 100 points outside") && note.contains("highest 900"), "\(note)")
        // A narrow range stays linear and whole; NaN and infinities are ignored.
        let narrow = try #require(ValueRange.choose(for: [4.2, 4.3, .nan, 4.25, .infinity, -.infinity, 4.4]))
        #expect(narrow == ValueRange(low: 4.2, high: 4.4, scale: .linear, clipped: false))
        #expect(ValueRange.choose(for: [.nan, .infinity]) == nil)
    }

    // MARK: loss.svg

    @Test func lossChartHasAxesGridLegendAndSkipsNonFinitePoints() throws {
        let (run, keep) = try Self.runDirectory("loss-linear")
        defer { if !keep { try? FileManager.default.removeItem(at: run.url) } }
        var lines: [String] = []
        for step in stride(from: 10, through: 200, by: 10) {
            lines.append(#"{"event":"train","step":\#(step),"loss":\#(4.5 - Double(step) / 1000),"learningRate":0.001}"#)
        }
        // A non-finite loss as the metrics file writes it (null plus a flag), one with a -1
        // placeholder at a skipped step, one with the key missing: none may be drawn.
        lines.append(#"{"event":"train","step":210,"loss":null,"nonFinite":{"loss":"nan"}}"#)
        lines.append(#"{"event":"skip","step":220,"transform":"coupling3"}"#)
        lines.append(#"{"event":"train","step":220,"loss":-1}"#)
        lines.append(#"{"event":"train","step":230}"#)
        lines.append(#"{"event":"eval","step":100,"validationNLL":4.45}"#)
        lines.append(#"{"event":"eval","step":200,"validationNLL":null,"nonFinite":{"validationNLL":"inf"}}"#)
        try Self.writeMetrics(lines, to: run)
        try Pictures.drawLoss(run, title: "my-run (realnvp on banana)", entropy: 4.2242)
        let svg = try Self.svg(run, "loss.svg")
        #expect(svg.contains("Loss — my-run (realnvp on banana)"))
        for label in ["training loss (minibatch)", "validation NLL", "true entropy 4.224", ">step<", "NLL, nats", "4.30", "4.40", ">200<", ">100<"] {
            #expect(svg.contains(label), "missing \(label)")
        }
        #expect(Self.occurrences(of: ChartFrame.gridColour, in: svg) >= 8, "grid lines")
        #expect(svg.contains("1 non-finite step skipped"))
        // The training polyline has exactly the 20 finite points; nothing pulled the range to −1.
        let trainLines = svg.components(separatedBy: "\n").filter { $0.contains("<polyline") && $0.contains(Pictures.trainColour) }
        let pointCounts = trainLines.map { ($0.components(separatedBy: "points=\"").last ?? "").split(separator: " ").count }
        #expect(pointCounts.max() == 20, "\(trainLines)")
        #expect(!svg.contains(">\u{2212}1<") && !svg.contains(">−1.0<"))
        // Tick labels sit inside the picture (the old chart cut off its maximum at the left).
        #expect(!svg.contains(#"x="-"#))
    }

    @Test func lossChartUsesALogScaleOverOrdersOfMagnitude() throws {
        let (run, keep) = try Self.runDirectory("loss-log")
        defer { if !keep { try? FileManager.default.removeItem(at: run.url) } }
        var lines = (1...300).map { step in
            let loss = 2.5 + 4000 * exp(-Double(step) / 20) * (1 + 0.1 * sin(Double(step)))
            return #"{"event":"train","step":\#(step),"loss":\#(loss)}"#
        }
        lines += stride(from: 50, through: 300, by: 50).map { #"{"event":"eval","step":\#($0),"validationNLL":\#(2.7 + 4000 * exp(-Double($0) / 20))}"# }
        try Self.writeMetrics(lines, to: run)
        try Pictures.drawLoss(run)
        let svg = try Self.svg(run, "loss.svg")
        #expect(svg.contains("log scale"))
        for label in [">1<", ">10<", ">100<", ">1000<", ">10000<", "running median"] { #expect(svg.contains(label), "missing \(label)") }
    }

    @Test func lossChartClipsOutliersWithANote() throws {
        let (run, keep) = try Self.runDirectory("loss-clipped")
        defer { if !keep { try? FileManager.default.removeItem(at: run.url) } }
        // A tabular run: NLL from 1200 nats to below zero, so no log axis.
        let lines = (1...200).map { step in
            #"{"event":"train","step":\#(step * 5),"loss":\#(-3 + 1200 * exp(-Double(step) / 1.5) + 0.2 * sin(Double(step)))}"#
        }
        try Self.writeMetrics(lines, to: run)
        try Pictures.drawLoss(run)
        let svg = try Self.svg(run, "loss.svg")
        #expect(!svg.contains("log scale"))
        #expect(svg.contains("y range clipped to where most values lie"))
        #expect(svg.contains("clip-path"))
    }

    /// A banana run: the loss falls from 25 to 4.3 nats in the first 50 steps, then changes in
    /// the second decimal. The range follows the settled part, so that part is readable.
    @Test func lossChartFollowsTheSettledPartAfterAnEarlyDrop() throws {
        let (run, keep) = try Self.runDirectory("loss-settled")
        defer { if !keep { try? FileManager.default.removeItem(at: run.url) } }
        var lines = [1, 2, 4, 8, 16, 32].map { step in #"{"event":"train","step":\#(step),"loss":\#(4.3 + 21 * exp(-Double(step) / 6))}"# }
        lines += stride(from: 50, through: 1500, by: 50).map { step in
            #"{"event":"train","step":\#(step),"loss":\#(4.24 + 0.1 * exp(-Double(step) / 300) + 0.02 * sin(Double(step)))}"#
        }
        try Self.writeMetrics(lines, to: run)
        try Pictures.drawLoss(run, entropy: 4.2242)
        let svg = try Self.svg(run, "loss.svg")
        // The six early points and step 50 (before 5% of the run, 75 steps) lie above the range.
        #expect(svg.contains("y range clipped to where most values lie: 7 of 36 points outside"), "\(svg)")
        #expect(!svg.contains(">10<") && !svg.contains(">20<"), "the early drop still sets the range")
    }

    @Test func lossChartWithoutFiniteValuesSaysSo() throws {
        let (run, keep) = try Self.runDirectory("loss-empty")
        defer { if !keep { try? FileManager.default.removeItem(at: run.url) } }
        try Self.writeMetrics([#"{"event":"train","step":50,"loss":null,"nonFinite":{"loss":"inf"}}"#], to: run)
        try Pictures.drawLoss(run)
        #expect(try Self.svg(run, "loss.svg").contains("no finite loss values"))
    }

    // MARK: pictures of a training run

    static func train(_ config: String, name: String) throws -> (Trainer, keep: Bool) {
        let (run, keep) = try Self.runDirectory(name)
        try FileManager.default.removeItem(at: run.url)
        var options = Trainer.Options()
        options.log = { _ in }
        let trainer = try Trainer(
            config: TrainingConfig.parse(Data(config.utf8)), run: run, device: DeviceRegistry.device(named: "cpu"), options: options)
        _ = try trainer.train()
        return (trainer, keep)
    }

    /// The base64 PNGs embedded in an SVG, decoded.
    static func embeddedPNGs(_ svg: String) throws -> [DecodedPNG] {
        try svg.components(separatedBy: "data:image/png;base64,").dropFirst().map { part in
            let encoded = try #require(part.split(separator: "\"").first)
            return try decodePNG(try #require(Data(base64Encoded: String(encoded))))
        }
    }

    @Test func twoDimensionalRunDrawsAxesAndASmallDensity() throws {
        let (trainer, keep) = try Self.train(
            """
            {"data": {"kind": "toy", "name": "banana", "evaluationSize": 2000},
             "model": {"kind": "realnvp", "layers": 2, "hidden": 16},
             "train": {"steps": 20, "batchSize": 64, "evalEvery": 10, "logEvery": 5, "checkpointEvery": 20}}
            """, name: "banana")
        defer { if !keep { try? FileManager.default.removeItem(at: trainer.run.url) } }
        let name = trainer.run.url.lastPathComponent
        let density = try Self.svg(trainer.run, "density.svg")
        let bytes = try Data(contentsOf: trainer.run.picture("density.svg")).count
        #expect(bytes < 100_000, "density.svg is \(bytes) bytes")
        #expect(Self.occurrences(of: "<rect", in: density) < 10, "the heatmap must be one image, not rects")
        let heatmap = try #require(try Self.embeddedPNGs(density).first)
        #expect(heatmap.width == 160 && heatmap.height == 160 && heatmap.colorType == 2)
        // Colour bar (gradient with its label), axes titled x1 and x2, run and model in the title.
        for part in ["<linearGradient", "log density", ">x1<", ">x2<", name, "realnvp", "step 20"] {
            #expect(density.contains(part), "density.svg lacks \(part)")
        }
        // The heatmap's colours come from the colormap's ends: its peak is viridis yellow.
        let top = Colormap.rgb(1)
        #expect(
            stride(from: 0, to: heatmap.pixels.count, by: 3).contains {
                heatmap.pixels[$0] == top.0 && heatmap.pixels[$0 + 1] == top.1 && heatmap.pixels[$0 + 2] == top.2
            })

        let samples = try Self.svg(trainer.run, "samples.svg")
        for part in ["data (validation split)", "model samples", ">x1<", ">x2<", ChartFrame.gridColour, name] {
            #expect(samples.contains(part), "samples.svg lacks \(part)")
        }
        #expect(Self.occurrences(of: "<circle", in: samples) > 3000)
        let loss = try Self.svg(trainer.run, "loss.svg")
        #expect(loss.contains(name) && loss.contains("realnvp on banana") && loss.contains("true entropy"))
    }

    @Test func imageRunDrawsDataNextToSamplesAsEmbeddedPNGs() throws {
        let (trainer, keep) = try Self.train(
            """
            {"data": {"kind": "digits", "validationFraction": 0.1},
             "model": {"kind": "glow", "levels": 1, "steps": 1, "hidden": 8},
             "train": {"steps": 4, "batchSize": 16, "evalEvery": 4, "logEvery": 2, "checkpointEvery": 4}}
            """, name: "digits")
        defer { if !keep { try? FileManager.default.removeItem(at: trainer.run.url) } }
        let svg = try Self.svg(trainer.run, "samples.svg")
        let bytes = try Data(contentsOf: trainer.run.picture("samples.svg")).count
        #expect(bytes < 100_000, "samples.svg is \(bytes) bytes")
        for part in ["training data", "temperature T = 1.0", "temperature T = 0.7", "glow on digits"] {
            #expect(svg.contains(part), "samples.svg lacks \(part)")
        }
        let panels = try Self.embeddedPNGs(svg)
        #expect(panels.count == 3)
        for panel in panels { #expect(panel.width == 274 && panel.height == 274 && panel.colorType == 0) }
        // The data panel shows the validation images themselves: the first tile, pixel by pixel.
        let first = trainer.data.source.validation.values.prefix(64)
        for (index, value) in first.enumerated() {
            let (y, x) = (index / 8, index % 8)
            #expect(panels[0].pixels[(2 + 4 * y) * 274 + 2 + 4 * x] == UInt8((value * 255 / 16).rounded()))
        }
        #expect(Self.occurrences(of: "<rect", in: svg) < 10)
    }
}
