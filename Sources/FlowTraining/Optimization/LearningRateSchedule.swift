import Foundation

/// Learning rate as a function of the step: optional linear warm-up, then constant, cosine or
/// step decay. A pure function of the step, so a resumed run continues the schedule exactly.
public struct LearningRateSchedule: Codable, Equatable, Sendable {
    public enum Decay: String, Codable, Sendable, CaseIterable {
        case constant
        /// Cosine from the base rate down to `minimumFactor · base` at `totalSteps`.
        case cosine
        /// Multiply by `gamma` every `stepSize` steps.
        case step
    }

    public var base: Double
    public var warmupSteps: Int
    public var decay: Decay
    public var totalSteps: Int
    public var minimumFactor: Double
    public var stepSize: Int
    public var gamma: Double

    public init(
        base: Double, warmupSteps: Int = 0, decay: Decay = .constant, totalSteps: Int = 1, minimumFactor: Double = 0,
        stepSize: Int = 1000, gamma: Double = 0.5
    ) {
        self.base = base
        self.warmupSteps = warmupSteps
        self.decay = decay
        self.totalSteps = totalSteps
        self.minimumFactor = minimumFactor
        self.stepSize = stepSize
        self.gamma = gamma
    }

    /// The rate for 1-based `step`.
    public func rate(at step: Int) -> Double {
        if warmupSteps > 0, step <= warmupSteps { return base * Double(step) / Double(warmupSteps) }
        let after = step - warmupSteps
        switch decay {
        case .constant:
            return base
        case .cosine:
            let span = max(1, totalSteps - warmupSteps)
            let progress = min(1, Double(after) / Double(span))
            return base * (minimumFactor + (1 - minimumFactor) * 0.5 * (1 + cos(Double.pi * progress)))
        case .step:
            return base * pow(gamma, Double(after / max(1, stepSize)))
        }
    }
}
