import Foundation

/// The drawn dashboard chart as Chromium laid it out (boxes in the chart's own pixels), and the
/// layout rules it must keep: everything inside the picture, the legend above the plot and off
/// the curves, tick labels and titles beside the frame without overlapping each other.
struct ChartLayout {
    /// JavaScript: `measureChart(svg)` → the report `init(report:)` reads.
    static let measureScript = """
        function measureChart(svg) {
          const origin = svg.getBoundingClientRect();
          const box = element => { const r = element.getBoundingClientRect(); return [r.left - origin.left, r.top - origin.top, r.width, r.height]; };
          return {
            viewBox: svg.getAttribute("viewBox"), width: origin.width, height: origin.height,
            frame: svg.querySelector("rect.frame") ? box(svg.querySelector("rect.frame")) : null,
            clip: [...svg.querySelectorAll("clipPath rect")].map(r => ["x", "y", "width", "height"].map(k => Number(r.getAttribute(k)))),
            texts: [...svg.querySelectorAll("text")].map(t => ({kind: t.getAttribute("class") || "", text: t.textContent, box: box(t)})),
            keys: [...svg.querySelectorAll("line.legend-key")].map(box),
            curves: [...svg.querySelectorAll("polyline")].map(p => p.getAttribute("clip-path") || ""),
            markers: [...svg.querySelectorAll("circle")].map(c => [Number(c.getAttribute("cx")), Number(c.getAttribute("cy"))]),
          };
        }
        """

    struct Box {
        var x, y, width, height: Double
        var right: Double { x + width }
        var bottom: Double { y + height }
        init(_ values: Any?) {
            let numbers = (values as? [Any])?.compactMap { ($0 as? NSNumber)?.doubleValue } ?? []
            (x, y, width, height) = numbers.count == 4 ? (numbers[0], numbers[1], numbers[2], numbers[3]) : (.nan, .nan, .nan, .nan)
        }
        func overlaps(_ other: Box) -> Bool { x < other.right && other.x < right && y < other.bottom && other.y < bottom }
    }

    struct Text {
        let kind: String
        let text: String
        let box: Box
    }

    let viewBox: String
    let width: Double
    let height: Double
    let frame: Box
    let clip: [[Double]]
    let texts: [Text]
    let keys: [Box]
    let curves: [String]
    let markers: [(Double, Double)]

    init(report: Any) {
        let object = report as? [String: Any] ?? [:]
        viewBox = object["viewBox"] as? String ?? ""
        width = (object["width"] as? NSNumber)?.doubleValue ?? .nan
        height = (object["height"] as? NSNumber)?.doubleValue ?? .nan
        frame = Box(object["frame"])
        clip = (object["clip"] as? [[Any]] ?? []).map { $0.compactMap { ($0 as? NSNumber)?.doubleValue } }
        texts = (object["texts"] as? [[String: Any]] ?? []).map {
            Text(kind: $0["kind"] as? String ?? "", text: $0["text"] as? String ?? "", box: Box($0["box"]))
        }
        keys = (object["keys"] as? [Any] ?? []).map(Box.init)
        curves = object["curves"] as? [String] ?? []
        markers = (object["markers"] as? [[Any]] ?? []).map { (($0.first as? NSNumber)?.doubleValue ?? .nan, ($0.last as? NSNumber)?.doubleValue ?? .nan) }
    }

    func texts(_ kind: String) -> [Text] { texts.filter { $0.kind == kind } }

    /// What breaks the rules, in words (empty when the layout is right).
    func problems() -> [String] {
        var found: [String] = []
        let slack = 0.5
        guard frame.width > 0, frame.height > 0 else { return ["no plot frame drawn"] }
        if viewBox != "0 0 \(Int(width)) \(Int(height))" {
            found.append("viewBox \(viewBox) is not the chart's \(width)×\(height) pixels: text would be scaled")
        }
        for text in texts where text.box.x < -slack || text.box.y < -slack || text.box.right > width + slack || text.box.bottom > height + slack {
            found.append("\(text.kind) '\(text.text)' at \(text.box) is clipped by the \(width)×\(height) picture")
        }
        let legend = texts("legend").map(\.box) + keys
        if legend.isEmpty { found.append("no legend") }
        for box in legend where box.bottom > frame.y + slack {
            found.append("a legend entry at \(box) reaches into the plot (top \(frame.y)), onto the curves")
        }
        let legendTexts = texts("legend")
        for (i, a) in legendTexts.enumerated() {
            for b in legendTexts[(i + 1)...] where a.box.overlaps(b.box) { found.append("legend entries '\(a.text)' and '\(b.text)' overlap") }
        }
        if curves.isEmpty { found.append("no curve drawn") }
        if curves.contains(where: { $0 != "url(#chart-plot)" }) { found.append("a curve is not clipped to the plot: \(curves)") }
        if clip.count != 1 || clip.first.map({ zip($0, [frame.x, frame.y, frame.width, frame.height]).contains { abs($0 - $1) > 1 } }) ?? true {
            found.append("the curves' clip \(clip) is not the frame \(frame)")
        }
        for (x, y) in markers where x < frame.x - slack || x > frame.right + slack || y < frame.y - slack || y > frame.bottom + slack {
            found.append("a marker at (\(x), \(y)) lies outside the plot")
        }
        let xTicks = texts("x-tick")
        let yTicks = texts("y-tick")
        if xTicks.count < 3 || yTicks.count < 3 { found.append("too few tick labels: \(xTicks.count) on x, \(yTicks.count) on y") }
        for tick in xTicks where tick.box.y < frame.bottom - slack { found.append("x tick '\(tick.text)' overlaps the plot") }
        for tick in yTicks where tick.box.right > frame.x + slack { found.append("y tick '\(tick.text)' overlaps the plot") }
        for (a, b) in zip(xTicks, xTicks.dropFirst()) where a.box.overlaps(b.box) { found.append("x ticks '\(a.text)' and '\(b.text)' overlap") }
        let titles = texts("axis-title")
        if let step = titles.first(where: { $0.text == "step" }) {
            if let lowest = xTicks.map(\.box.bottom).max(), step.box.y < lowest - slack { found.append("the x-axis title overlaps the tick labels") }
            for note in texts("note") where note.box.y < step.box.bottom - slack { found.append("note '\(note.text)' overlaps the x-axis title") }
        } else {
            found.append("no x-axis title")
        }
        if let yTitle = titles.first(where: { $0.text.hasPrefix("NLL") }) {
            if let leftmost = yTicks.map(\.box.x).min(), yTitle.box.right > leftmost + slack { found.append("the y-axis title overlaps the tick labels") }
        } else {
            found.append("no y-axis title")
        }
        return found
    }
}
