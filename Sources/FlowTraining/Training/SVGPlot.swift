import Foundation

/// A minimal SVG writer for the run's pictures: lines, markers, text, embedded PNG rasters and
/// gradients — enough for charts with axes, scatter plots, heatmaps and image grids that open
/// in any browser or image viewer. Rasters (heatmaps, image grids) go in as compressed PNGs
/// rather than one `<rect>` per cell, which keeps the files small and their edges smooth.
struct SVGPlot {
    let width: Double
    let height: Double
    private var definitions: [String] = []
    private var elements: [String] = []
    private var nextIdentifier = 0
    /// The training step the picture shows, as the root's `data-step` (the dashboard shows the
    /// pictures of one evaluation together, and reads which one each file is from this).
    var trainingStep: Int?

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    static func escape(_ string: String) -> String {
        string.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// Coordinates with one decimal: a tenth of a pixel is below what any viewer shows, and
    /// thousands of scatter points stay compact.
    private static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String = "none", stroke: String? = nil, strokeWidth: Double = 1) {
        let outline = stroke.map { #" stroke="\#($0)" stroke-width="\#(Self.f(strokeWidth))""# } ?? ""
        elements.append(#"<rect x="\#(Self.f(x))" y="\#(Self.f(y))" width="\#(Self.f(width))" height="\#(Self.f(height))" fill="\#(fill)"\#(outline)/>"#)
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1, dash: String? = nil) {
        let dashed = dash.map { #" stroke-dasharray="\#($0)""# } ?? ""
        elements.append(
            #"<line x1="\#(Self.f(x1))" y1="\#(Self.f(y1))" x2="\#(Self.f(x2))" y2="\#(Self.f(y2))" stroke="\#(stroke)" stroke-width="\#(Self.f(width))"\#(dashed)/>"#
        )
    }

    /// Many equal circles in one group, their shared attributes written once.
    mutating func circles(_ points: [(Double, Double)], radius: Double, fill: String, opacity: Double = 0.5, clip: String? = nil) {
        guard !points.isEmpty else { return }
        let clipping = clip.map { #" clip-path="url(#\#($0))""# } ?? ""
        var group = [#"<g fill="\#(fill)" fill-opacity="\#(opacity)"\#(clipping)>"#]
        group += points.map { #"<circle cx="\#(Self.f($0.0))" cy="\#(Self.f($0.1))" r="\#(Self.f(radius))"/>"# }
        group.append("</g>")
        elements.append(group.joined(separator: "\n"))
    }

    mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 1.5, opacity: Double = 1, clip: String? = nil) {
        guard !points.isEmpty else { return }
        let text = points.map { "\(Self.f($0.0)),\(Self.f($0.1))" }.joined(separator: " ")
        let clipping = clip.map { #" clip-path="url(#\#($0))""# } ?? ""
        elements.append(
            #"<polyline fill="none" stroke="\#(stroke)" stroke-width="\#(Self.f(width))" stroke-opacity="\#(opacity)" stroke-linejoin="round"\#(clipping) points="\#(text)"/>"#
        )
    }

    /// `rotate` turns the text about its anchor point (−90 for a y-axis label).
    mutating func text(
        _ string: String, x: Double, y: Double, size: Double = 12, anchor: String = "start", fill: String = "#000", bold: Bool = false, rotate: Double? = nil
    ) {
        let weight = bold ? #" font-weight="bold""# : ""
        let turn = rotate.map { #" transform="rotate(\#(Self.f($0)) \#(Self.f(x)) \#(Self.f(y)))""# } ?? ""
        elements.append(
            #"<text x="\#(Self.f(x))" y="\#(Self.f(y))" font-family="DejaVu Sans, Verdana, sans-serif" font-size="\#(Self.f(size))" text-anchor="\#(anchor)" fill="\#(fill)"\#(weight)\#(turn)>\#(Self.escape(string))</text>"#
        )
    }

    /// A rectangle other elements can be clipped to (a chart's plotting area); returns its id.
    mutating func clipRect(x: Double, y: Double, width: Double, height: Double) -> String {
        let id = identifier("clip")
        definitions.append(
            #"<clipPath id="\#(id)"><rect x="\#(Self.f(x))" y="\#(Self.f(y))" width="\#(Self.f(width))" height="\#(Self.f(height))"/></clipPath>"#)
        return id
    }

    /// A vertical gradient through `colours` (bottom to top), for a colour bar; returns its id.
    mutating func verticalGradient(_ colours: [String]) -> String {
        let id = identifier("ramp")
        let stops = colours.enumerated().map { index, colour in
            #"<stop offset="\#(String(format: "%.3f", Double(index) / Double(max(1, colours.count - 1))))" stop-color="\#(colour)"/>"#
        }
        definitions.append(([#"<linearGradient id="\#(id)" x1="0" y1="1" x2="0" y2="0">"#] + stops + ["</linearGradient>"]).joined(separator: "\n"))
        return id
    }

    /// A PNG drawn into the given box. `smooth` lets the viewer interpolate (a heatmap sampled
    /// on a grid is a smooth function); otherwise pixels stay sharp squares (images, whose
    /// pixels are the data).
    mutating func image(_ png: PNGImage, x: Double, y: Double, width: Double, height: Double, smooth: Bool) throws {
        let encoded = try png.encoded().base64EncodedString()
        let rendering = smooth ? "optimizeQuality" : "optimizeSpeed"
        let style = smooth ? "" : #" style="image-rendering:pixelated""#
        elements.append(
            #"<image x="\#(Self.f(x))" y="\#(Self.f(y))" width="\#(Self.f(width))" height="\#(Self.f(height))" preserveAspectRatio="none" image-rendering="\#(rendering)"\#(style) href="data:image/png;base64,\#(encoded)"/>"#
        )
    }

    private mutating func identifier(_ prefix: String) -> String {
        nextIdentifier += 1
        return "\(prefix)\(nextIdentifier)"
    }

    var document: String {
        let step = trainingStep.map { #" data-step="\#($0)""# } ?? ""
        let header =
            #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(Int(width))" height="\#(Int(height))" viewBox="0 0 \#(Int(width)) \#(Int(height))"\#(step)>"#
        let defs = definitions.isEmpty ? [] : ["<defs>"] + definitions + ["</defs>"]
        return ([header] + defs + [#"<rect width="100%" height="100%" fill="white"/>"#] + elements + ["</svg>\n"]).joined(separator: "\n")
    }
}
