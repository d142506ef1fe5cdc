import FlowTraining
import Foundation

/// One line of a run's `metrics.jsonl`, as the store keeps it: the line itself, the key that
/// identifies it across a resume (`train:120`), and the figures a job's summary shows.
public struct MetricLine: Sendable, Equatable {
    public var key: String
    public var event: String
    public var step: Int
    public var text: String
    public var loss: Double?
    public var validationNLL: Double?
    public var bitsPerDim: Double?
    public var testNLL: Double?

    /// Nil for a line that is not a JSON object with an `event` and a `step`.
    public init?(_ text: Substring) {
        guard let value = try? StrictJSON.parse(Data(text.utf8)), case let .object(object) = value,
            case let .string(event)? = object["event"], case let .number(step)? = object["step"],
            step.isFinite, step >= 0, step < 1e15
        else { return nil }
        func number(_ key: String) -> Double? {
            if case let .number(value)? = object[key], value.isFinite { return value }
            return nil
        }
        self.event = event
        self.step = Int(step)
        self.key = "\(event):\(Int(step))"
        self.text = String(text)
        switch event {
        case "train": loss = number("loss")
        case "eval":
            validationNLL = number("validationNLL")
            bitsPerDim = number("bitsPerDim")
        case "test":
            testNLL = number("testNLL")
            bitsPerDim = number("bitsPerDim")
        default: break
        }
    }
}
