import Foundation

/// The y range a chart shows for a set of values. Losses often span orders of magnitude (a
/// flow starts at hundreds or thousands of nats and settles near a few), and a linear axis over
/// all of it flattens everything after the first steps into a line. So: all positive and
/// spanning more than `logRatio` → a log axis; otherwise, when a few outliers stretch the range
/// far beyond where most values lie (spikes, or negative NLLs ruling out a log axis) → the range
/// of the central quantiles, and the chart notes how many points fall outside.
struct ValueRange: Equatable {
    let low: Double
    let high: Double
    let scale: Axis.Scale
    /// Whether outliers were left out of `low…high`.
    let clipped: Bool

    static let logRatio = 20.0
    /// Central quantiles of the clipped range.
    static let quantiles = (0.02, 0.98)
    /// Clip only when the full range is this many times wider than the central one.
    static let clipRatio = 4.0

    /// Non-finite values are ignored; nil when no finite value is left.
    static func choose(for given: [Double]) -> ValueRange? {
        let values = given.filter(\.isFinite).sorted()
        guard let minimum = values.first, let maximum = values.last else { return nil }
        if minimum > 0, maximum / minimum >= logRatio {
            return ValueRange(low: minimum, high: maximum, scale: .log10, clipped: false)
        }
        if values.count >= 10 {
            let (q0, q1) = (quantile(values, quantiles.0), quantile(values, quantiles.1))
            let central = q1 - q0
            if central > 0, maximum - minimum > clipRatio * central {
                // A margin of a quarter of the central range keeps the bulk off the frame.
                return ValueRange(low: max(minimum, q0 - 0.25 * central), high: min(maximum, q1 + 0.25 * central), scale: .linear, clipped: true)
            }
        }
        return ValueRange(low: minimum, high: maximum, scale: .linear, clipped: false)
    }

    /// For a training curve: a flow's loss falls by tens of nats in its first steps and then
    /// changes in the second decimal, so when the first 5% of the steps stretch the range more
    /// than `clipRatio` times beyond the rest, the range is that of the rest (the early points
    /// enter from the top, and the chart notes them). `extra` values (a reference line) are
    /// always inside.
    static func choose(forCurve points: [(step: Double, value: Double)], extra: [Double]) -> ValueRange? {
        let finite = points.filter { $0.step.isFinite && $0.value.isFinite }
        guard let all = choose(for: finite.map(\.value) + extra), let lastStep = finite.map(\.step).max() else { return nil }
        let settled = finite.filter { $0.step >= 0.05 * lastStep }.map(\.value)
        guard settled.count >= 10, settled.count < finite.count, let rest = choose(for: settled + extra) else { return all }
        let width = { (range: ValueRange) in range.scale == .log10 ? Foundation.log10(range.high / range.low) : range.high - range.low }
        guard width(rest) > 0, width(all) > clipRatio * width(rest) else { return all }
        return ValueRange(low: rest.low, high: rest.high, scale: rest.scale, clipped: true)
    }

    /// The range widened by `fraction` of its extent on both sides (on a log axis, of its
    /// extent in decades), so extreme points do not sit on the frame.
    func padded(_ fraction: Double) -> (Double, Double) {
        switch scale {
        case .linear:
            let pad = fraction * (high - low)
            return (low - pad, high + pad)
        case .log10:
            let factor = Foundation.pow(high / low, fraction)
            return (low / factor, high * factor)
        }
    }

    /// What a clipped chart says about the values outside the range it finally shows
    /// (`shown`, after padding and rounding to ticks); nil when nothing is clipped.
    func note(for values: [Double], shown: (Double, Double)) -> String? {
        guard clipped else { return nil }
        let finite = values.filter(\.isFinite)
        let below = finite.filter { $0 < shown.0 }
        let above = finite.filter { $0 > shown.1 }
        var extremes: [String] = []
        if let lowest = below.min() { extremes.append("lowest \(Self.short(lowest))") }
        if let highest = above.max() { extremes.append("highest \(Self.short(highest))") }
        let outside = below.count + above.count
        let list = extremes.isEmpty ? "" : " (\(extremes.joined(separator: ", ")))"
        return "y range clipped to where most values lie: \(outside) of \(finite.count) points outside\(list)"
    }

    /// Linear interpolation between order statistics of sorted values.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        guard let first = sorted.first else { return .nan }
        let position = q * Double(sorted.count - 1)
        let index = Int(position.rounded(.down))
        guard index + 1 < sorted.count else { return sorted.last ?? first }
        return sorted[index] + (sorted[index + 1] - sorted[index]) * (position - Double(index))
    }

    private static func short(_ value: Double) -> String { Axis.minus(String(format: "%.4g", value)) }
}
