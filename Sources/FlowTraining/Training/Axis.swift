import Foundation

/// One axis of a chart: a data range, linear or log10, mapped onto a pixel interval, with
/// round tick values (1, 2 or 5 × 10ᵏ; decades on a log axis) and labels that show exactly as
/// many digits as the tick spacing needs.
struct Axis {
    enum Scale: Equatable {
        case linear
        case log10
    }

    let scale: Scale
    /// The data range shown (both ends included).
    let low: Double
    let high: Double
    /// Pixel positions of `low` and `high` (`high` may be the smaller one: y grows downwards).
    let start: Double
    let end: Double
    /// The linear tick spacing `roundedOut` chose the ends for (recomputing it from the wider
    /// range could pick a coarser step whose ticks miss the ends).
    let step: Double?

    init(scale: Scale = .linear, low: Double, high: Double, start: Double, end: Double, step: Double? = nil) {
        var (low, high) = (min(low, high), max(low, high))
        // Callers pass finite ranges; should one slip through, a unit range beats a trap in Int(…).
        if !low.isFinite || !high.isFinite { (low, high) = (0, 1) }
        if scale == .log10 {
            // A log axis needs positive ends; a degenerate range widens by a factor of 2.
            low = max(low, Double.leastNormalMagnitude)
            high = max(high, low)
            if high <= low * 1.000_001 { (low, high) = (low / 2, high * 2) }
        } else if !(high - low > 1e-12 * max(1, abs(low), abs(high))) {
            // A flat series still needs a visible range: ±1 around a value near 0, ±5% else.
            let pad = abs(low) < 1e-9 ? 1 : 0.05 * abs(low)
            (low, high) = (low - pad, high + pad)
        }
        self.scale = scale
        self.low = low
        self.high = high
        self.start = start
        self.end = end
        self.step = step
    }

    /// This axis with its ends moved out to the neighbouring round values, so the first and
    /// last ticks sit on the frame.
    func roundedOut() -> Axis {
        switch scale {
        case .linear:
            let step = Self.niceStep(range: high - low, count: 6)
            // The tolerance keeps an end that already is a multiple (0, 600) from moving a step out.
            return Axis(
                scale: scale, low: (low / step + 1e-9).rounded(.down) * step, high: (high / step - 1e-9).rounded(.up) * step, start: start, end: end,
                step: step)
        case .log10:
            // Within about a decade the ends snap to 1-2-5 values (the ticks there use them
            // too); on longer ranges to whole decades.
            let fine = Foundation.log10(high) - Foundation.log10(low) <= 1.2
            return Axis(scale: scale, low: Self.logFloor(low, fine: fine), high: Self.logCeil(high, fine: fine), start: start, end: end)
        }
    }

    /// The pixel position of a value (outside the range it extrapolates; callers clip).
    func position(_ value: Double) -> Double {
        let t: Double
        switch scale {
        case .linear: t = (value - low) / (high - low)
        case .log10: t = (Foundation.log10(max(value, Double.leastNormalMagnitude)) - Foundation.log10(low)) / (Foundation.log10(high) - Foundation.log10(low))
        }
        return start + (end - start) * t
    }

    /// Tick values inside the range, round numbers, about `count` of them on a linear axis
    /// (the step `roundedOut` chose, when it chose one).
    func ticks(count: Int = 6) -> [Double] {
        switch scale {
        case .linear:
            let step = self.step ?? Self.niceStep(range: high - low, count: count)
            let first = (low / step - 1e-9).rounded(.up)
            let last = (high / step + 1e-9).rounded(.down)
            guard first <= last, last - first < 1000 else { return [] }
            // Multiplying an integer index by the step keeps 0.1 × 3 from drifting to 0.30000000000000004 in labels; zero stays exactly zero.
            return stride(from: first, through: last, by: 1).map { $0 * step == 0 ? 0 : $0 * step }
        case .log10:
            let (a, b) = (Foundation.log10(low), Foundation.log10(high))
            let decades = b - a
            let mantissas: [Double] = decades <= 1.7 ? [1, 2, 5] : decades <= 2.5 ? [1, 3] : [1]
            // On a long range, every k-th decade (counted from the lowest) so labels do not collide.
            let every = max(1, Int((decades / Double(max(1, count))).rounded(.up)))
            let lowest = Int((a - 1e-9).rounded(.up))
            var values: [Double] = []
            for exponent in Int(a.rounded(.down))...Int(b.rounded(.up)) where (exponent - lowest) % every == 0 {
                for m in mantissas {
                    let value = m * Foundation.pow(10, Double(exponent))
                    if value >= low * (1 - 1e-9), value <= high * (1 + 1e-9) { values.append(value) }
                }
            }
            return values
        }
    }

    /// Labels for the ticks: fixed-point with as many decimals as the spacing needs, or
    /// scientific notation for very large or small magnitudes.
    func labels(_ ticks: [Double]) -> [String] {
        let magnitude = ticks.map(abs).max() ?? 0
        switch scale {
        case .linear:
            let step = ticks.count > 1 ? ticks[1] - ticks[0] : max(magnitude, 1)
            if magnitude >= 1e6 || (magnitude > 0 && magnitude < 1e-4) {
                return ticks.map { Self.minus(Self.scientific($0)) }
            }
            let decimals = max(0, min(8, Int((-Foundation.log10(step) - 1e-9).rounded(.up))))
            return ticks.map { Self.minus(String(format: "%.\(decimals)f", $0)) }
        case .log10:
            return ticks.map { value in
                Self.minus(value >= 1e-3 && value < 1e5 ? Self.plain(value) : Self.scientific(value))
            }
        }
    }

    /// The spacing 1, 2 or 5 × 10ᵏ that puts about `count` ticks on `range`.
    static func niceStep(range: Double, count: Int) -> Double {
        guard range > 0, range.isFinite else { return 1 }
        let raw = range / Double(max(1, count))
        let power = Foundation.pow(10, (Foundation.log10(raw)).rounded(.down))
        let fraction = raw / power
        let nice: Double = fraction < 1.5 ? 1 : fraction < 3.5 ? 2 : fraction < 7.5 ? 5 : 10
        return nice * power
    }

    private static func logFloor(_ value: Double, fine: Bool) -> Double {
        let power = Foundation.pow(10, Foundation.log10(value).rounded(.down))
        guard fine else { return power }
        return [5.0, 2, 1].map { $0 * power }.first { $0 <= value * (1 + 1e-9) } ?? power
    }

    private static func logCeil(_ value: Double, fine: Bool) -> Double {
        let power = Foundation.pow(10, Foundation.log10(value).rounded(.down))
        guard fine else { return value <= power * (1 + 1e-9) ? power : power * 10 }
        return [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= value * (1 - 1e-9) } ?? power * 10
    }

    /// A typographic minus (U+2212), as wide as a plus, in place of the hyphen; "-0" from a
    /// rounded tiny negative value reads as 0.
    static func minus(_ label: String) -> String {
        let text = label.replacingOccurrences(of: "-", with: "\u{2212}")
        return text.hasPrefix("\u{2212}") && text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) ? String(text.dropFirst()) : text
    }

    /// `0.5`, `20`, `3000`: the shortest fixed-point spelling of a round value.
    private static func plain(_ value: Double) -> String {
        var text = String(format: "%.6f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// `2e-05` → `2e-5`, `1.5e+07` → `1.5e7`.
    private static func scientific(_ value: Double) -> String {
        guard value != 0 else { return "0" }
        let exponent = Int(Foundation.log10(abs(value)).rounded(.down))
        let mantissa = value / Foundation.pow(10, Double(exponent))
        return "\(plain(mantissa))e\(exponent)"
    }
}
