import Foundation

/// The plotting area of one chart and its two axes: draws the grid lines, the frame, the tick
/// marks with their labels and the axis titles, and clips data to the area.
struct ChartFrame {
    let left: Double
    let top: Double
    let width: Double
    let height: Double
    let x: Axis
    let y: Axis

    static let tickSize = 12.0
    static let labelColour = "#333"
    static let gridColour = "#e3e3e3"

    /// Axes over the given data ranges, rounded out to tick values when `round` is set.
    init(left: Double, top: Double, width: Double, height: Double, x: (Double, Double), y: (Double, Double), yScale: Axis.Scale = .linear, round: Bool = true) {
        self.left = left
        self.top = top
        self.width = width
        self.height = height
        let xAxis = Axis(low: x.0, high: x.1, start: left, end: left + width)
        let yAxis = Axis(scale: yScale, low: y.0, high: y.1, start: top + height, end: top)
        self.x = round ? xAxis.roundedOut() : xAxis
        self.y = round ? yAxis.roundedOut() : yAxis
    }

    var right: Double { left + width }
    var bottom: Double { top + height }

    /// A rough width of `text` in pixels (DejaVu Sans averages about 0.6 em per character), to
    /// leave room for tick labels without measuring fonts.
    static func textWidth(_ text: String, size: Double = tickSize) -> Double { Double(text.count) * size * 0.62 }

    /// The widest y tick label this frame will draw (to size the left margin before drawing).
    static func widestLabel(y: (Double, Double), scale: Axis.Scale) -> Double {
        let axis = Axis(scale: scale, low: y.0, high: y.1, start: 1, end: 0).roundedOut()
        return axis.labels(axis.ticks()).map { textWidth($0) }.max() ?? 0
    }

    /// Grid and frame under the data; call `drawAxes` after the data so labels stay on top.
    func drawGrid(into plot: inout SVGPlot) {
        for tick in x.ticks() { plot.line(x.position(tick), top, x.position(tick), bottom, stroke: Self.gridColour) }
        for tick in y.ticks() { plot.line(left, y.position(tick), right, y.position(tick), stroke: Self.gridColour) }
    }

    func drawAxes(into plot: inout SVGPlot, xTitle: String, yTitle: String?) {
        plot.rect(x: left, y: top, width: width, height: height, stroke: "#666")
        let xTicks = x.ticks()
        for (tick, label) in zip(xTicks, x.labels(xTicks)) {
            let px = x.position(tick)
            plot.line(px, bottom, px, bottom + 5, stroke: "#666")
            plot.text(label, x: px, y: bottom + 19, size: Self.tickSize, anchor: "middle", fill: Self.labelColour)
        }
        let yTicks = y.ticks()
        let labels = y.labels(yTicks)
        for (tick, label) in zip(yTicks, labels) {
            let py = y.position(tick)
            plot.line(left - 5, py, left, py, stroke: "#666")
            plot.text(label, x: left - 8, y: py + 4, size: Self.tickSize, anchor: "end", fill: Self.labelColour)
        }
        plot.text(xTitle, x: left + width / 2, y: bottom + 38, size: 13, anchor: "middle")
        if let yTitle {
            let labelWidth = labels.map { Self.textWidth($0) }.max() ?? 0
            plot.text(yTitle, x: left - labelWidth - 18, y: top + height / 2, size: 13, anchor: "middle", rotate: -90)
        }
    }

    func clip(into plot: inout SVGPlot) -> String {
        plot.clipRect(x: left, y: top, width: width, height: height)
    }
}
