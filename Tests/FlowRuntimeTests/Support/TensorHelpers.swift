import FlowRuntime
import FlowTestSupport

/// `[outer, mid, inner]` view of a shape whose axis 1 is the channel or feature axis.
func channelView(_ shape: [Int]) -> AxisView {
    AxisView(outer: shape[0], mid: shape[1], inner: shape.dropFirst(2).reduce(1, *))
}
