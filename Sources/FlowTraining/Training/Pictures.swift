import FlowLayers
import FlowRuntime
import Foundation

/// The run's pictures, refreshed at each evaluation and at the end: `loss.svg` (training loss
/// and validation NLL); for 2-D data `samples.svg` (data next to model samples) and `density.svg`
/// (the learned density); for images `samples.svg` (a grid of samples at temperature 1 and 0.7).
/// Sampling uses its own fixed stream, so drawing never changes the training run.
enum Pictures {
    static func draw(trainer: Trainer) throws {
        try drawLoss(trainer.run)
        let shape = trainer.data.source.eventShape
        if shape == [2] {
            try drawScatter(trainer)
            try drawDensity(trainer)
        } else if trainer.data.isImage, shape.count == 3 {
            try drawImageGrid(trainer)
        }
    }

    static func drawLoss(_ run: RunDirectory) throws {
        let metrics = run.readMetrics()
        func series(_ event: String, _ key: String) -> [(Double, Double)] {
            metrics.compactMap { line in
                guard case .string(event)? = line["event"], case let .number(step)? = line["step"], case let .number(value)? = line[key], value.isFinite
                else { return nil }
                return (step, value)
            }
        }
        let train = series("train", "loss")
        let validation = series("eval", "validationNLL")
        let all = train + validation
        guard let minStep = all.map(\.0).min(), let maxStep = all.map(\.0).max(), let low = all.map(\.1).min(), let high = all.map(\.1).max() else { return }
        var plot = SVGPlot(width: 640, height: 400)
        let (left, right, top, bottom) = (60.0, 620.0, 30.0, 360.0)
        func x(_ step: Double) -> Double { left + (right - left) * (step - minStep) / max(1, maxStep - minStep) }
        func y(_ value: Double) -> Double { bottom - (bottom - top) * (value - low) / max(1e-9, high - low) }
        plot.polyline([(left, top), (left, bottom), (right, bottom)], stroke: "#444")
        plot.polyline(train.map { (x($0.0), y($0.1)) }, stroke: "#1f77b4")
        plot.polyline(validation.map { (x($0.0), y($0.1)) }, stroke: "#d62728")
        plot.text("training loss (NLL, nats)", x: left + 10, y: 20, anchor: "start", fill: "#1f77b4")
        plot.text("validation NLL", x: right, y: 20, anchor: "end", fill: "#d62728")
        plot.text(String(format: "%.3f", high), x: left - 5, y: top + 4, size: 10, anchor: "end")
        plot.text(String(format: "%.3f", low), x: left - 5, y: bottom, size: 10, anchor: "end")
        plot.text("step \(Int(minStep))", x: left, y: bottom + 20, size: 10)
        plot.text("step \(Int(maxStep))", x: right, y: bottom + 20, size: 10, anchor: "end")
        try AtomicFile.write(Data(plot.document.utf8), to: run.picture("loss.svg"))
    }

    private static func samples(_ trainer: Trainer, count: Int, temperature: Float = 1) throws -> [Float] {
        var stream = RandomStream(seed: trainer.config.train.seed).derived(700)
        return try trainer.flow.sample(count, random: &stream, temperature: temperature, on: trainer.device).toArray()
    }

    /// Bounds of the data's first two coordinates, padded by 10%.
    private static func bounds(_ values: [Float]) -> (Double, Double, Double, Double) {
        let xs = stride(from: 0, to: values.count, by: 2).map { Double(values[$0]) }
        let ys = stride(from: 1, to: values.count, by: 2).map { Double(values[$0]) }
        let (x0, x1, y0, y1) = (xs.min() ?? -1, xs.max() ?? 1, ys.min() ?? -1, ys.max() ?? 1)
        let (px, py) = (0.1 * max(1e-3, x1 - x0), 0.1 * max(1e-3, y1 - y0))
        return (x0 - px, x1 + px, y0 - py, y1 + py)
    }

    static func drawScatter(_ trainer: Trainer) throws {
        let data = Array(trainer.data.source.validation.values.prefix(4000))
        let model = try samples(trainer, count: 2000)
        let (x0, x1, y0, y1) = bounds(data)
        var plot = SVGPlot(width: 820, height: 430)
        for (panel, points, colour, title) in [(0, data, "#1f77b4", "data"), (1, model, "#d62728", "model samples")] {
            let offset = 10.0 + Double(panel) * 410
            plot.text(title, x: offset + 200, y: 20, anchor: "middle")
            plot.polyline([(offset, 30), (offset + 400, 30), (offset + 400, 420), (offset, 420), (offset, 30)], stroke: "#888")
            for i in stride(from: 0, to: points.count - 1, by: 2) {
                let px = offset + 400 * (Double(points[i]) - x0) / (x1 - x0)
                let py = 420 - 390 * (Double(points[i + 1]) - y0) / (y1 - y0)
                guard px >= offset, px <= offset + 400, py >= 30, py <= 420 else { continue }
                plot.circle(x: px, y: py, radius: 1.5, fill: colour)
            }
        }
        try AtomicFile.write(Data(plot.document.utf8), to: trainer.run.picture("samples.svg"))
    }

    static func drawDensity(_ trainer: Trainer) throws {
        let (x0, x1, y0, y1) = bounds(Array(trainer.data.source.validation.values.prefix(4000)))
        let side = 80
        var grid: [Float] = []
        for row in 0..<side {
            for column in 0..<side {
                grid.append(Float(x0 + (x1 - x0) * (Double(column) + 0.5) / Double(side)))
                grid.append(Float(y1 - (y1 - y0) * (Double(row) + 0.5) / Double(side)))
            }
        }
        let logProb = try trainer.flow.logProb(Tensor(grid, shape: [side * side, 2], on: trainer.device)).toArray()
        let density = logProb.map { exp(Double($0)) }
        let top = density.filter(\.isFinite).max() ?? 1
        var plot = SVGPlot(width: 420, height: 440)
        plot.text("learned density", x: 210, y: 20, anchor: "middle")
        let cell = 400.0 / Double(side)
        for row in 0..<side {
            for column in 0..<side {
                let value = density[row * side + column]
                plot.rect(x: 10 + Double(column) * cell, y: 30 + Double(row) * cell, width: cell + 0.1, height: cell + 0.1,
                          fill: SVGPlot.heat(value.isFinite ? value / top : 0))
            }
        }
        try AtomicFile.write(Data(plot.document.utf8), to: trainer.run.picture("density.svg"))
    }

    static func drawImageGrid(_ trainer: Trainer) throws {
        let shape = trainer.data.source.eventShape
        let (channels, height, width) = (shape[0], shape[1], shape[2])
        let levels = Double(trainer.data.levels ?? 256)
        let perRow = 8
        let scale = max(2.0, 48.0 / Double(max(height, width)))
        let tile = Double(width) * scale + 4
        var plot = SVGPlot(width: 2 * (Double(perRow) * tile + 20), height: Double(perRow) * (Double(height) * scale + 4) + 40)
        for (panel, temperature) in [(0, Float(1)), (1, Float(0.7))] {
            let values = try samples(trainer, count: perRow * perRow, temperature: temperature)
            let offset = 10 + Double(panel) * (Double(perRow) * tile + 20)
            plot.text("samples, temperature \(temperature)", x: offset, y: 20)
            for image in 0..<(perRow * perRow) {
                let (gridRow, gridColumn) = (image / perRow, image % perRow)
                for y in 0..<height {
                    for x in 0..<width {
                        // Channels averaged to grey (colour images would need RGB fills; the digits are grey).
                        var sum = 0.0
                        for c in 0..<channels { sum += Double(values[((image * channels + c) * height + y) * width + x]) }
                        plot.rect(
                            x: offset + Double(gridColumn) * tile + Double(x) * scale, y: 30 + Double(gridRow) * (Double(height) * scale + 4) + Double(y) * scale,
                            width: scale, height: scale, fill: SVGPlot.grey(sum / Double(channels) / (levels - 1)))
                    }
                }
            }
        }
        try AtomicFile.write(Data(plot.document.utf8), to: trainer.run.picture("samples.svg"))
    }
}
