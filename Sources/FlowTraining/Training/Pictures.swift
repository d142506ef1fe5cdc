import FlowLayers
import FlowRuntime
import Foundation

/// The run's pictures, refreshed at each evaluation and at the end: `loss.svg` (training loss
/// and validation NLL); for 2-D data `samples.svg` (data next to model samples) and `density.svg`
/// (the learned density); for images `samples.svg` (training images next to samples at
/// temperature 1 and 0.7). Sampling uses its own fixed stream, so drawing never changes the
/// training run. Rasters go in as embedded PNGs, so the files stay small.
enum Pictures {
    static let trainColour = "#1f77b4"
    static let validationColour = "#d62728"

    static func draw(trainer: Trainer) throws {
        let name = description(trainer)
        try drawLoss(trainer.run, title: name, entropy: trainer.data.toy?.entropy)
        let at = "\(name), step \(trainer.state.step)"
        let shape = trainer.data.source.eventShape
        if shape == [2] {
            try drawScatter(trainer, title: at)
            try drawDensity(trainer, title: at)
        } else if trainer.data.isImage, shape.count == 3 {
            try drawImageGrid(trainer, title: at)
        }
    }

    /// "run-dir (realnvp on banana)": which run and which model a picture belongs to.
    static func description(_ trainer: Trainer) -> String {
        let data = trainer.config.data.name ?? trainer.config.data.kind.rawValue
        return "\(trainer.run.url.lastPathComponent) (\(trainer.config.model.kind.rawValue) on \(data))"
    }

    // MARK: loss.svg

    /// (step, value) pairs of one metric. Skipped: lines without a finite step or value (a
    /// non-finite value is written as JSON null, see `MetricRecord`), and training lines at a
    /// step with a `skip` event, whose loss may be only a placeholder.
    static func series(_ metrics: [[String: JSONValue]], event: String, key: String) -> [(Double, Double)] {
        let skipped = Set(
            metrics.compactMap { line -> Double? in
                guard case .string("skip")? = line["event"], case let .number(step)? = line["step"] else { return nil }
                return step
            })
        return metrics.compactMap { line in
            guard case .string(event)? = line["event"], case let .number(step)? = line["step"], step.isFinite,
                case let .number(value)? = line[key], value.isFinite
            else { return nil }
            if event == "train", skipped.contains(step) { return nil }
            return (step, value)
        }
    }

    /// `entropy`, when the data's true density is known, is drawn as the floor the NLL can reach.
    static func drawLoss(_ run: RunDirectory, title: String? = nil, entropy: Double? = nil) throws {
        let metrics = run.readMetrics()
        let train = series(metrics, event: "train", key: "loss")
        let validation = series(metrics, event: "eval", key: "validationNLL")
        let skippedSteps = metrics.filter { $0["event"] == .string("skip") }.count
        let all = train + validation
        let (width, height) = (760.0, 480.0)
        var plot = SVGPlot(width: width, height: height)
        plot.text("Loss — \(title ?? run.url.lastPathComponent)", x: 20, y: 26, size: 15, bold: true)
        let reference = entropy.flatMap { $0.isFinite ? $0 : nil }
        guard let range = ValueRange.choose(forCurve: all.map { (step: $0.0, value: $0.1) }, extra: reference.map { [$0] } ?? []),
            let lastStep = all.map(\.0).max()
        else {
            plot.text("no finite loss values logged yet", x: width / 2, y: height / 2, size: 14, anchor: "middle", fill: "#666")
            try AtomicFile.write(Data(plot.document.utf8), to: run.picture("loss.svg"))
            return
        }
        // The clipping note is written once the frame's final range is known; it takes the first line.
        var notes: [String] = range.clipped ? [""] : []
        if skippedSteps > 0 { notes.append("\(skippedSteps) non-finite step\(skippedSteps == 1 ? "" : "s") skipped, not plotted") }
        if let first = train.first?.0, first > 1 { notes.append("first training loss logged at step \(Int(first))") }
        // A noisy minibatch loss reads better as a faint raw line under a running median.
        let smooth = train.count >= 30
        var legend: [(label: String, colour: String, width: Double, opacity: Double, dash: String?)] = []
        if smooth {
            legend.append(("training loss (minibatch)", trainColour, 1, 0.35, nil))
            legend.append(("training loss, running median", trainColour, 2, 1, nil))
        } else if !train.isEmpty {
            legend.append(("training loss (minibatch)", trainColour, 1.5, 1, nil))
        }
        if !validation.isEmpty { legend.append(("validation NLL", validationColour, 1.5, 1, nil)) }
        if let reference { legend.append((String(format: "true entropy %.3f (lowest possible NLL)", reference), "#555", 1.2, 1, "6 4")) }

        // The legend has its own rows under the title, so it never hides the curves.
        let labelWidth = ChartFrame.widestLabel(y: range.padded(0.03), scale: range.scale)
        let left = 44 + labelWidth
        var legendRows = 1
        var legendX = left
        for entry in legend {
            let entryWidth = 32 + ChartFrame.textWidth(entry.label, size: 12)
            if legendX > left, legendX + entryWidth > width - 20 {
                legendRows += 1
                legendX = left
            }
            let legendY = 50 + 18 * Double(legendRows - 1)
            if let dash = entry.dash {
                plot.line(legendX, legendY, legendX + 26, legendY, stroke: entry.colour, width: entry.width, dash: dash)
            } else {
                plot.polyline([(legendX, legendY), (legendX + 26, legendY)], stroke: entry.colour, width: max(2, entry.width), opacity: entry.opacity)
            }
            plot.text(entry.label, x: legendX + 32, y: legendY + 4, size: 12)
            legendX += entryWidth + 20
        }
        let top = 70 + 18 * Double(legendRows - 1)
        let bottomMargin = 56.0 + 16 * Double(notes.count)
        let frame = ChartFrame(
            left: left, top: top, width: width - left - 24, height: height - top - bottomMargin, x: (0, max(1, lastStep)),
            y: range.padded(0.03), yScale: range.scale)
        frame.drawGrid(into: &plot)
        let clip = frame.clip(into: &plot)
        if let note = range.note(for: all.map(\.1), shown: (frame.y.low, frame.y.high)), !notes.isEmpty { notes[0] = note }
        func point(_ p: (Double, Double)) -> (Double, Double) { (frame.x.position(p.0), frame.y.position(p.1)) }
        // Markers are drawn whole where their point is in range (a clip would halve those on the
        // frame) and not at all where it is outside; lines are clipped to the frame.
        func markers(_ points: [(Double, Double)]) -> [(Double, Double)] {
            points.filter { $0.1 >= frame.y.low && $0.1 <= frame.y.high }.map(point)
        }
        if let reference {
            let py = frame.y.position(reference)
            plot.line(frame.left, py, frame.right, py, stroke: "#555", width: 1.2, dash: "6 4")
        }
        if smooth {
            plot.polyline(train.map(point), stroke: trainColour, width: 1, opacity: 0.35, clip: clip)
            plot.polyline(smoothed(train).map(point), stroke: trainColour, width: 2, clip: clip)
        } else if !train.isEmpty {
            plot.polyline(train.map(point), stroke: trainColour, width: 1.5, clip: clip)
            plot.circles(markers(train), radius: 2.5, fill: trainColour, opacity: 1)
        }
        if !validation.isEmpty {
            plot.polyline(validation.map(point), stroke: validationColour, width: 1.5, clip: clip)
            plot.circles(markers(validation), radius: 3.5, fill: validationColour, opacity: 1)
        }
        frame.drawAxes(into: &plot, xTitle: "step", yTitle: range.scale == .log10 ? "NLL, nats (log scale)" : "NLL, nats")
        for (index, note) in notes.enumerated() {
            plot.text(note, x: frame.left, y: frame.bottom + 60 + 16 * Double(index), size: 11, fill: "#555")
        }
        try AtomicFile.write(Data(plot.document.utf8), to: run.picture("loss.svg"))
    }

    /// A centred running median over about 1/25 of the points: it follows a steep early drop
    /// (a mean over the window would be pulled up by the large values) and ignores single
    /// spikes, and it is the same on a linear and a log axis.
    static func smoothed(_ points: [(Double, Double)]) -> [(Double, Double)] {
        let values = points.map(\.1)
        let half = max(1, points.count / 50)
        return points.indices.map { index in
            let window = values[max(0, index - half)...min(values.count - 1, index + half)].sorted()
            return (points[index].0, ValueRange.quantile(window, 0.5))
        }
    }

    // MARK: 2-D data

    private static func samples(_ trainer: Trainer, count: Int, temperature: Float = 1) throws -> Tensor {
        var stream = RandomStream(seed: trainer.config.train.seed).derived(700)
        return try trainer.flow.sample(count, random: &stream, temperature: temperature, on: trainer.device)
    }

    /// Bounds of the data's first two coordinates, padded by 10%.
    private static func bounds(_ values: [Float]) -> (Double, Double, Double, Double) {
        let xs = stride(from: 0, to: values.count, by: 2).map { Double(values[$0]) }.filter(\.isFinite)
        let ys = stride(from: 1, to: values.count, by: 2).map { Double(values[$0]) }.filter(\.isFinite)
        let (x0, x1, y0, y1) = (xs.min() ?? -1, xs.max() ?? 1, ys.min() ?? -1, ys.max() ?? 1)
        let (px, py) = (0.1 * max(1e-3, x1 - x0), 0.1 * max(1e-3, y1 - y0))
        return (x0 - px, x1 + px, y0 - py, y1 + py)
    }

    private static func axisTitles(_ trainer: Trainer) -> (String, String) {
        if let names = trainer.data.source.validation.columnNames, names.count == 2 { return (names[0], names[1]) }
        return ("x1", "x2")
    }

    static func drawScatter(_ trainer: Trainer, title: String) throws {
        let data = Array(trainer.data.source.validation.values.prefix(4000))
        let model = try samples(trainer, count: 2000).toArray()
        let (x0, x1, y0, y1) = bounds(data)
        let (xTitle, yTitle) = axisTitles(trainer)
        let side = 340.0
        var plot = SVGPlot(width: 2 * (side + 90) + 10, height: side + 130)
        plot.trainingStep = trainer.state.step
        plot.text("Data and model samples — \(title)", x: 20, y: 26, size: 15, bold: true)
        for (panel, points, colour, name) in [(0, data, trainColour, "data (validation split)"), (1, model, validationColour, "model samples (temperature 1)")]
        {
            let frame = ChartFrame(left: 70 + Double(panel) * (side + 90), top: 62, width: side, height: side, x: (x0, x1), y: (y0, y1))
            frame.drawGrid(into: &plot)
            var inside: [(Double, Double)] = []
            var outside = 0
            for i in stride(from: 0, to: points.count - 1, by: 2) {
                let (px, py) = (frame.x.position(Double(points[i])), frame.y.position(Double(points[i + 1])))
                guard px.isFinite, py.isFinite, px >= frame.left, px <= frame.right, py >= frame.top, py <= frame.bottom else {
                    outside += 1
                    continue
                }
                inside.append((px, py))
            }
            plot.circles(inside, radius: 1.4, fill: colour, opacity: 0.45)
            frame.drawAxes(into: &plot, xTitle: xTitle, yTitle: yTitle)
            let count = points.count / 2
            plot.text("\(name), \(count) points", x: frame.left, y: frame.top - 8, size: 12)
            if outside > 0 {
                plot.text("\(outside) of \(count) outside the frame", x: frame.right, y: frame.bottom + 56, size: 11, anchor: "end", fill: "#555")
            }
        }
        try AtomicFile.write(Data(plot.document.utf8), to: trainer.run.picture("samples.svg"))
    }

    /// Log-densities this far below the peak share the lowest colour: the range shows the
    /// shape and the tails (where a flow's mistakes, such as mass between modes, are) without
    /// the far-away emptiness taking over the scale.
    static let densityRange = 10.0

    static func drawDensity(_ trainer: Trainer, title: String) throws {
        let (x0, x1, y0, y1) = bounds(Array(trainer.data.source.validation.values.prefix(4000)))
        let (xTitle, yTitle) = axisTitles(trainer)
        let frame = ChartFrame(left: 70, top: 62, width: 400, height: 400, x: (x0, x1), y: (y0, y1))
        // 160² cells sampled at their centres over exactly the framed area; the viewer's
        // smoothing between them draws the continuous function.
        let side = 160
        var grid: [Float] = []
        grid.reserveCapacity(2 * side * side)
        for row in 0..<side {
            for column in 0..<side {
                grid.append(Float(frame.x.low + (frame.x.high - frame.x.low) * (Double(column) + 0.5) / Double(side)))
                grid.append(Float(frame.y.high - (frame.y.high - frame.y.low) * (Double(row) + 0.5) / Double(side)))
            }
        }
        // Stochastic layers (a VAE: then this is its one-draw ELBO) draw from the evaluation's
        // fixed streams, so drawing never moves the training run's noise.
        let logProb = try Evaluator.withEvaluationNoise(trainer.flow, seed: trainer.config.train.seed) {
            try trainer.flow.logProb(Tensor(grid, shape: [side * side, 2], on: trainer.device)).toArray().map(Double.init)
        }
        let peak = logProb.filter(\.isFinite).max() ?? 0
        let floor = peak - densityRange
        var pixels: [UInt8] = []
        pixels.reserveCapacity(3 * side * side)
        for value in logProb {
            let (r, g, b) = Colormap.rgb(value.isFinite ? (value - floor) / densityRange : 0)
            pixels += [r, g, b]
        }
        let image = try PNGImage(width: side, height: side, colorType: .rgb, pixels: pixels)

        var plot = SVGPlot(width: 610, height: 530)
        plot.trainingStep = trainer.state.step
        plot.text("Learned density — \(title)", x: 20, y: 26, size: 15, bold: true)
        try plot.image(image, x: frame.left, y: frame.top, width: frame.width, height: frame.height, smooth: true)
        // Grid lines over the heatmap, faint, to read positions off it.
        for tick in frame.x.ticks() {
            plot.line(frame.x.position(tick), frame.top, frame.x.position(tick), frame.bottom, stroke: "#ffffff", width: 0.5, dash: "2 3")
        }
        for tick in frame.y.ticks() {
            plot.line(frame.left, frame.y.position(tick), frame.right, frame.y.position(tick), stroke: "#ffffff", width: 0.5, dash: "2 3")
        }
        frame.drawAxes(into: &plot, xTitle: xTitle, yTitle: yTitle)
        plot.text("log p(x) on a \(side)×\(side) grid", x: frame.left, y: frame.top - 8, size: 12)

        // Colour bar: the ramp with its own axis in nats of log-density.
        let barLeft = frame.right + 22
        let ramp = plot.verticalGradient((0...20).map { Colormap.hex(Double($0) / 20) })
        plot.rect(x: barLeft, y: frame.top, width: 16, height: frame.height, fill: "url(#\(ramp))", stroke: "#666")
        let bar = Axis(low: floor, high: peak, start: frame.bottom, end: frame.top)
        let ticks = bar.ticks(count: 8)
        for (tick, label) in zip(ticks, bar.labels(ticks)) {
            let py = bar.position(tick)
            plot.line(barLeft + 16, py, barLeft + 21, py, stroke: "#666")
            plot.text(label, x: barLeft + 24, y: py + 4, size: ChartFrame.tickSize, fill: ChartFrame.labelColour)
        }
        let barLabelX = barLeft + 24 + (bar.labels(ticks).map { ChartFrame.textWidth($0) }.max() ?? 20) + 16
        plot.text(
            "log density, nats (≤ peak − \(Int(densityRange)) shown darkest)", x: barLabelX, y: frame.top + frame.height / 2, size: 12, anchor: "middle",
            rotate: -90)
        try AtomicFile.write(Data(plot.document.utf8), to: trainer.run.picture("density.svg"))
    }

    // MARK: images

    static func drawImageGrid(_ trainer: Trainer, title: String) throws {
        let shape = trainer.data.source.eventShape
        let levels = trainer.data.levels ?? 256
        let exampleSize = shape.reduce(1, *)
        let count = 64
        var panels: [(String, PNGImage)] = []
        let real = trainer.data.source.validation
        let shown = min(count, real.count)
        if shown > 0 {
            let values = Array(real.values.prefix(shown * exampleSize))
            panels.append(("training data (validation split)", try ImageGrid.render(values, shape: [shown] + shape, levels: levels, columns: 8)))
        }
        for temperature in [Float(1), 0.7] {
            var values = try samples(trainer, count: count, temperature: temperature)
            // The model's samples as the data's integer levels, exactly as `flowkit sample` writes them.
            if let quantizer = trainer.flow.chain.transforms.first as? any QuantizingTransform { values = try quantizer.quantize(values) }
            let label = "samples, temperature T = \(String(format: "%.1f", temperature))"
            panels.append((label, try ImageGrid.render(values.toArray(), shape: [count] + shape, levels: levels, columns: 8)))
        }
        let gap = 36.0
        let panelsWidth = panels.map { Double($0.1.width) }.reduce(0, +) + gap * Double(panels.count - 1)
        let panelsHeight = panels.map { Double($0.1.height) }.max() ?? 0
        var plot = SVGPlot(width: max(640, panelsWidth + 40), height: panelsHeight + 110)
        plot.trainingStep = trainer.state.step
        plot.text("Samples — \(title)", x: 20, y: 26, size: 15, bold: true)
        var x = 20.0
        for (label, image) in panels {
            plot.text(label, x: x, y: 58, size: 13, bold: true)
            // Drawn at the PNG's own size: the tiles are already upscaled, so no resampling.
            try plot.image(image, x: x, y: 68, width: Double(image.width), height: Double(image.height), smooth: false)
            x += Double(image.width) + gap
        }
        plot.text(
            "Both sample panels use the same base noise, scaled by T (T < 1 trades variety for typical, smoother samples).",
            x: 20, y: 68 + panelsHeight + 26, size: 11, fill: "#555")
        try AtomicFile.write(Data(plot.document.utf8), to: trainer.run.picture("samples.svg"))
    }
}
