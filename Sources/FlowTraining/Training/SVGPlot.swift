import Foundation

/// A minimal SVG writer for the run's pictures: line charts, scatter plots, heatmaps and image
/// grids that open in any browser or image viewer.
struct SVGPlot {
    let width: Double
    let height: Double
    private var elements: [String] = []

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String) {
        // crispEdges: adjacent heatmap cells and pixels meet without hairline seams.
        elements.append(String(format: #"<rect x="%.2f" y="%.2f" width="%.2f" height="%.2f" fill="%@" shape-rendering="crispEdges"/>"#, x, y, width, height, fill))
    }

    mutating func circle(x: Double, y: Double, radius: Double, fill: String) {
        elements.append(String(format: #"<circle cx="%.2f" cy="%.2f" r="%.2f" fill="%@" fill-opacity="0.5"/>"#, x, y, radius, fill))
    }

    mutating func polyline(_ points: [(Double, Double)], stroke: String) {
        guard !points.isEmpty else { return }
        let text = points.map { String(format: "%.2f,%.2f", $0.0, $0.1) }.joined(separator: " ")
        elements.append(#"<polyline fill="none" stroke="\#(stroke)" stroke-width="1.5" points="\#(text)"/>"#)
    }

    mutating func text(_ string: String, x: Double, y: Double, size: Double = 12, anchor: String = "start", fill: String = "#000") {
        let escaped = string.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        elements.append(
            String(format: #"<text x="%.2f" y="%.2f" font-family="sans-serif" font-size="%.0f" text-anchor="%@" fill="%@">%@</text>"#, x, y, size, anchor, fill, escaped))
    }

    var document: String {
        let header = String(format: #"<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f">"#, width, height, width, height)
        return ([header, #"<rect width="100%" height="100%" fill="white"/>"#] + elements + ["</svg>\n"]).joined(separator: "\n")
    }

    /// A grey level 0 (black) … 1 (white) as an SVG colour.
    static func grey(_ level: Double) -> String {
        let v = Int((max(0, min(1, level)) * 255).rounded())
        return String(format: "#%02x%02x%02x", v, v, v)
    }

    /// A perceptually ordered blue → yellow ramp for heatmaps (t in 0…1).
    static func heat(_ t: Double) -> String {
        let t = max(0, min(1, t))
        let r = Int(255 * min(1, max(0, 1.5 * t - 0.2)))
        let g = Int(255 * min(1, max(0, 1.2 * t)))
        let b = Int(255 * max(0, 0.6 - 0.6 * t + 0.2 * (1 - abs(2 * t - 1))))
        return String(format: "#%02x%02x%02x", r, g, b)
    }
}
