/// One stage of `Device.gemmRowChain`: a group of products (`gemmGroup`) on one set of buffers.
public struct GemmStage {
    public var specs: [GemmSpec]
    public var a: any DeviceBuffer
    public var b: any DeviceBuffer
    public var c: any DeviceBuffer
    public var bias: (any DeviceBuffer)?

    public init(specs: [GemmSpec], a: any DeviceBuffer, b: any DeviceBuffer, c: any DeviceBuffer, bias: (any DeviceBuffer)?) {
        self.specs = specs
        self.a = a
        self.b = b
        self.c = c
        self.bias = bias
    }
}

extension Device {
    /// Stage after stage, each as one `gemmGroup`: right for devices that spread every product
    /// over the whole machine anyway (OpenCL).
    public func gemmRowChain(rows: Int, stages: [GemmStage]) throws {
        for stage in stages { try gemmGroup(stage.specs, a: stage.a, b: stage.b, c: stage.c, bias: stage.bias) }
    }
}
