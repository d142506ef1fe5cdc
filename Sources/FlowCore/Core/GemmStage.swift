/// One stage of `Device.gemmRowChain`: a group of products (`gemmGroup`) on one set of buffers,
/// optionally followed by a ReLU gate.
public struct GemmStage {
    public var specs: [GemmSpec]
    public var a: any DeviceBuffer
    public var b: any DeviceBuffer
    public var c: any DeviceBuffer
    public var bias: (any DeviceBuffer)?
    /// ReLU's backward applied to the products: `C[i] = gate[i] > 0 ? C[i] : 0`, with the gate
    /// laid out like C (a hidden layer's ReLU output, when C is the gradient flowing into it).
    public var gate: (any DeviceBuffer)?
    /// Elements of C, all of which the specs write when there is a gate.
    public var count: Int

    public init(
        specs: [GemmSpec], a: any DeviceBuffer, b: any DeviceBuffer, c: any DeviceBuffer, bias: (any DeviceBuffer)?,
        gate: (any DeviceBuffer)? = nil, count: Int
    ) {
        self.specs = specs
        self.a = a
        self.b = b
        self.c = c
        self.bias = bias
        self.gate = gate
        self.count = count
    }
}

extension Device {
    /// Stage after stage, each as one `gemmGroup` (and the gate as ReLU's backward, in place):
    /// right for devices that spread every product over the whole machine anyway (OpenCL).
    public func gemmRowChain(rows: Int, stages: [GemmStage]) throws {
        for stage in stages {
            try gemmGroup(stage.specs, a: stage.a, b: stage.b, c: stage.c, bias: stage.bias)
            if let gate = stage.gate {
                try unaryBackward(.relu, count: stage.count, x: gate, y: gate, gradY: stage.c, gradX: stage.c)
            }
        }
    }
}
