import FlowLayers
import FlowRuntime

extension BijectorCases {
    static let normLinear: [BijectorCase] = [
    ]
}
