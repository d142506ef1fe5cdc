import FlowLayers
import FlowRuntime

extension BijectorCases {
    static let autoregressive: [BijectorCase] = [
    ]
}
