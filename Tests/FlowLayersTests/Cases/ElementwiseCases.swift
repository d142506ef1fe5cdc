import FlowLayers
import FlowRuntime

extension BijectorCases {
    static let elementwise: [BijectorCase] = [
    ]
}
