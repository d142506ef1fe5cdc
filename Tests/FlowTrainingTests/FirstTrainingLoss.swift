import Testing

@testable import FlowTraining

extension RunDirectory {
    /// The loss the run logged at step 1, which the families' "a short run lowers the loss" tests
    /// compare their test NLL with; fails the test when the step is missing or its loss is not a
    /// number.
    func firstTrainingLoss(sourceLocation: SourceLocation = #_sourceLocation) throws -> Double {
        let entry = try #require(
            readMetrics().first { $0["event"] == .string("train") && $0["step"] == .number(1) }?["loss"],
            "no training loss logged at step 1", sourceLocation: sourceLocation)
        guard case let .number(loss) = entry else {
            Issue.record("step 1 has no numeric loss: \(entry)", sourceLocation: sourceLocation)
            throw FirstTrainingLossMissing()
        }
        return loss
    }
}

/// Thrown after the issue is recorded, so the calling test stops there.
struct FirstTrainingLossMissing: Error {}
