import FlowDashboard
import Foundation
import Testing

@testable import FlowTraining

/// The dashboard's loss chart against the run pictures' code it ports (`Axis`, `ValueRange`,
/// `Pictures.smoothed`): the chart's script runs in headless Chromium on a table of ranges and
/// curves, and every end, tick, label, range, note and smoothed value must equal the Swift one.
/// Then the drawn chart's layout, measured by the browser at three widths.
@Suite(.serialized) struct DashboardChartTests {
    /// The dashboard's `<script id="chart-code">` block.
    static func chartCode() throws -> String {
        let html = Dashboard.html
        let start = try #require(html.range(of: #"<script id="chart-code">"#), "the dashboard has no chart-code script")
        let end = try #require(html.range(of: "</script>", range: start.upperBound..<html.endIndex))
        return String(html[start.upperBound..<end.lowerBound])
    }

    /// Numbers cross as strings: Swift's and JavaScript's shortest spellings both read back exactly.
    static func number(_ value: Any?) -> Double? { (value as? String).flatMap(Double.init) }

    static let axes: [(Axis.Scale, Double, Double)] = [
        (.linear, 0, 1250), (.linear, 0, 938), (.linear, 0, 313), (.linear, 0, 1), (.linear, 0, 27), (.linear, 0, 7),
        (.linear, 0, 999_999), (.linear, 0, 1_000_001), (.linear, -3.2, 7.9), (.linear, 1.2345, 1.2346), (.linear, 5, 5),
        (.linear, 0, 0), (.linear, -1e-5, 2e-5), (.linear, 1e6, 5e6), (.linear, 0.001, 0.0013), (.linear, -250.5, -249.9),
        (.linear, 2.5, 3.5), (.linear, -0.31, 0.07), (.linear, 2.604, 2.871), (.linear, 1e-300, 3e-300),
        (.log10, 2.5, 3000), (.log10, 0.9, 1.1), (.log10, 1e-3, 1e5), (.log10, 3, 3), (.log10, 1, 10), (.log10, 0.05, 400),
        (.log10, 7e-7, 2e-3), (.log10, 12, 130), (.log10, 1.7, 2500), (.log10, 0.4, 7e9),
    ]

    @Test(.enabled(if: HeadlessChromium.enabled)) func axisEndsTicksAndLabelsAreTheRunPictures() throws {
        let input: [String: Any] = ["axes": Self.axes.map { [$0.0 == .linear ? "linear" : "log10", "\($0.1)", "\($0.2)"] }]
        let driver = """
            const n = v => v === null || v === undefined ? null : String(v);
            return input.axes.map(([scale, low, high]) => {
              const axis = new FlowChart.Axis(scale, Number(low), Number(high), 0, 100);
              const rounded = axis.roundedOut();
              const ticks = rounded.ticks(), raw = axis.ticks(8);
              return {low: n(rounded.low), high: n(rounded.high), step: n(rounded.step), ticks: ticks.map(n), labels: rounded.labels(ticks),
                rawTicks: raw.map(n), rawLabels: axis.labels(raw), middle: n(rounded.position((Number(low) + Number(high)) / 2))};
            });
            """
        let results = try #require(try HeadlessChromium.evaluate(scripts: [Self.chartCode()], driver: driver, input: input) as? [[String: Any]])
        #expect(results.count == Self.axes.count)
        for ((scale, low, high), js) in zip(Self.axes, results) {
            let axis = Axis(scale: scale, low: low, high: high, start: 0, end: 100)
            let rounded = axis.roundedOut()
            let ticks = rounded.ticks()
            let raw = axis.ticks(count: 8)
            let name = "\(scale) \(low)…\(high)"
            #expect(
                Self.number(js["low"]) == rounded.low && Self.number(js["high"]) == rounded.high,
                "\(name): ends \(js["low"] ?? "") \(js["high"] ?? "") vs \(rounded.low) \(rounded.high)")
            #expect(Self.number(js["step"]) == rounded.step, "\(name): step")
            #expect((js["ticks"] as? [Any])?.map(Self.number) == ticks, "\(name): ticks \(js["ticks"] ?? "") vs \(ticks)")
            #expect(js["labels"] as? [String] == rounded.labels(ticks), "\(name): labels \(js["labels"] ?? "") vs \(rounded.labels(ticks))")
            #expect((js["rawTicks"] as? [Any])?.map(Self.number) == raw, "\(name): ticks(count: 8)")
            #expect(js["rawLabels"] as? [String] == axis.labels(raw), "\(name): labels of ticks(count: 8) \(js["rawLabels"] ?? "") vs \(axis.labels(raw))")
            #expect(Self.number(js["middle"]) == rounded.position((low + high) / 2), "\(name): position")
        }
    }

    /// A flow's loss: tens of nats in the first steps, settling near −1.3 (a negative NLL rules
    /// out a log axis, so the y range is clipped to the settled part, with a note).
    static let settling: [(Double, Double)] = {
        let steps: [Double] = [1, 2, 4, 8] + Array(stride(from: 10.0, through: 1250, by: 10))
        return steps.map { step -> (Double, Double) in
            let decay: Double = 60 * exp(-step / 15)
            let noise: Double = 0.05 * sin(step * 0.7)
            return (step, -1.3 + decay + noise)
        }
    }()

    static func curve(_ steps: [Double], _ value: (Double) -> Double) -> [(Double, Double)] { steps.map { ($0, value($0)) } }

    static let curves: [[(Double, Double)]] = [
        settling,
        curve((1...200).map(Double.init)) { s in 3000 * exp(-s / 20) + 2 },
        curve((0..<300).map(Double.init)) { s in -1.5 + 0.1 * sin(s / 9) + (s == 150 ? 40 : 0) },
        curve((1...12).map { Double($0 * 10) }) { _ in 4.2 },
        curve((1...5).map(Double.init)) { s in 1 / s },
        curve(Array(stride(from: 250.0, through: 1500, by: 250))) { s in 2.7 + 1 / s },
        curve((1...40).map(Double.init)) { s in 1e-5 * sin(s) },
        curve((1...60).map { Double($0) * 25 }) { s in
            let spike: Double = Int(s / 25) % 17 == 0 ? 5e7 : 0
            return 1.2e7 + 3e5 * cos(s / 175) + spike
        },
    ]

    @Test(.enabled(if: HeadlessChromium.enabled)) func yRangesNotesAndSmoothingAreTheRunPictures() throws {
        let input: [String: Any] = ["curves": Self.curves.map { $0.map { ["\($0.0)", "\($0.1)"] } }]
        let driver = """
            const n = v => v === null || v === undefined ? null : String(v);
            const describe = r => r && {low: n(r.low), high: n(r.high), scale: r.scale, clipped: r.clipped};
            return input.curves.map(given => {
              const points = given.map(([s, v]) => [Number(s), Number(v)]), values = points.map(p => p[1]);
              const curve = FlowChart.ValueRange.chooseForCurve(points, []), padded = curve.padded(0.03);
              const frame = new FlowChart.Axis(curve.scale, padded[0], padded[1], 1, 0).roundedOut();
              return {plain: describe(FlowChart.ValueRange.choose(values)), curve: describe(curve), padded: padded.map(n),
                note: curve.note(values, [frame.low, frame.high]), smoothed: FlowChart.smoothed(points).map(p => n(p[1]))};
            });
            """
        let results = try #require(try HeadlessChromium.evaluate(scripts: [Self.chartCode()], driver: driver, input: input) as? [[String: Any]])
        #expect(results.count == Self.curves.count)
        func same(_ js: Any?, _ range: ValueRange?) -> Bool {
            guard let js = js as? [String: Any], let range else { return false }
            return Self.number(js["low"]) == range.low && Self.number(js["high"]) == range.high
                && js["scale"] as? String == (range.scale == .linear ? "linear" : "log10") && js["clipped"] as? Bool == range.clipped
        }
        var clippedCurves = 0
        for (index, (points, js)) in zip(Self.curves, results).enumerated() {
            let values = points.map(\.1)
            let plain = ValueRange.choose(for: values)
            let curve = try #require(ValueRange.choose(forCurve: points.map { (step: $0.0, value: $0.1) }, extra: []))
            let padded = curve.padded(0.03)
            let frame = Axis(scale: curve.scale, low: padded.0, high: padded.1, start: 1, end: 0).roundedOut()
            #expect(same(js["plain"], plain), "curve \(index): choose(for:) \(js["plain"] ?? "") vs \(String(describing: plain))")
            #expect(same(js["curve"], curve), "curve \(index): choose(forCurve:) \(js["curve"] ?? "") vs \(curve)")
            #expect((js["padded"] as? [Any])?.map(Self.number) == [padded.0, padded.1], "curve \(index): padded")
            let note = curve.note(for: values, shown: (frame.low, frame.high))
            #expect(js["note"] as? String == note, "curve \(index): note '\(js["note"] ?? "")' vs '\(note ?? "nil")'")
            if note != nil { clippedCurves += 1 }
            #expect((js["smoothed"] as? [Any])?.map(Self.number) == Pictures.smoothed(points).map(\.1), "curve \(index): running median")
        }
        // The table exercises the clipped case and both scales, not only the plain one.
        #expect(clippedCurves >= 2)
        #expect(Self.curves.contains { ValueRange.choose(for: $0.map(\.1))?.scale == .log10 })
    }

    /// The chart drawn by the dashboard's code at three widths, measured by the browser, and the
    /// loss.svg the trainer draws from the same metrics: the same ticks and the same note.
    @Test(.enabled(if: HeadlessChromium.enabled)) func theDrawnChartKeepsItsLayoutAndMatchesLossSVG() throws {
        let skipped: Set<Double> = [500, 510]
        let train = Self.settling.filter { !skipped.contains($0.0) }
        let validation = stride(from: 250.0, through: 1250, by: 250).map { ($0, -1.2 + 0.02 * sin($0)) }
        let widths = [480, 720, 1000]
        let input: [String: Any] = [
            "widths": widths, "train": train.map { ["\($0.0)", "\($0.1)"] }, "validation": validation.map { ["\($0.0)", "\($0.1)"] },
            "skipped": skipped.count,
        ]
        let driver = """
            const points = given => given.map(([s, v]) => [Number(s), Number(v)]);
            return input.widths.map(width => {
              const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
              svg.style.width = width + "px";
              svg.style.display = "block";
              document.body.appendChild(svg);
              FlowChart.draw(svg, {train: points(input.train), validation: points(input.validation), skipped: input.skipped}, width);
              const report = measureChart(svg);
              svg.remove();
              return report;
            });
            """
        let reports = try #require(
            try HeadlessChromium.evaluate(scripts: [Self.chartCode(), ChartLayout.measureScript], driver: driver, input: input) as? [Any])
        #expect(reports.count == widths.count)

        // loss.svg of the same metrics.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flowkit-chart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = RunDirectory(folder.path)
        var lines = Self.settling.map { #"{"event":"train","step":\#(Int($0.0)),"loss":\#(skipped.contains($0.0) ? -1 : $0.1)}"# }
        lines += skipped.sorted().map { #"{"event":"skip","step":\#(Int($0)),"transform":"coupling1"}"# }
        lines += validation.map { #"{"event":"eval","step":\#(Int($0.0)),"validationNLL":\#($0.1)}"# }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: run.metrics)
        try Pictures.drawLoss(run)
        let svg = String(decoding: try Data(contentsOf: run.picture("loss.svg")), as: UTF8.self)
        let svgTexts = svg.matches(of: /<text[^>]*>([^<]*)<\/text>/).map { String($0.output.1) }
        func appearsInOrder(_ labels: [String]) -> Bool {
            guard !labels.isEmpty, labels.count <= svgTexts.count else { return false }
            return (0...(svgTexts.count - labels.count)).contains { Array(svgTexts[$0..<($0 + labels.count)]) == labels }
        }

        for (width, report) in zip(widths, reports) {
            let layout = ChartLayout(report: report)
            #expect(layout.problems().isEmpty, "width \(width): \(layout.problems())")
            let xLabels = layout.texts("x-tick").map(\.text)
            // Round steps: the last training step 1250 gives 0, 200, …, 1400 (not 313, 625, 938).
            #expect(xLabels == ["0", "200", "400", "600", "800", "1000", "1200", "1400"], "width \(width): \(xLabels)")
            #expect(appearsInOrder(xLabels), "width \(width): loss.svg has other x ticks than \(xLabels)")
            let yLabels = layout.texts("y-tick").map(\.text)
            #expect(appearsInOrder(yLabels), "width \(width): loss.svg has other y ticks than \(yLabels): \(svgTexts)")
            // The notes (wrapped on a narrow chart) say what loss.svg's say.
            let notes = layout.texts("note").map(\.text).joined(separator: " ")
            let svgNotes = svgTexts.filter { $0.hasPrefix("y range clipped") || $0.hasSuffix("skipped, not plotted") }
            #expect(svgNotes.count == 2 && notes == svgNotes.joined(separator: " "), "width \(width): '\(notes)' vs loss.svg \(svgNotes)")
            #expect(notes.hasPrefix("y range clipped to where most values lie: ") && notes.hasSuffix("2 non-finite steps skipped, not plotted"))
        }
        // The narrowest chart needs two legend rows; the widest fits them in one.
        let rows = reports.map { Set(ChartLayout(report: $0).texts("legend").map { Int($0.box.y) }).count }
        #expect(rows.first ?? 0 > rows.last ?? 0, "legend rows per width: \(rows)")
    }
}
