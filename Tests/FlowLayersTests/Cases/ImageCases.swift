import FlowLayers
import FlowRuntime

extension BijectorCases {
    static let image: [BijectorCase] = [
    ]
}
