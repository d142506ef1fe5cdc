extension Tensor.ChainStage {
    /// A row-chain stage that runs `kind` (forward or input gradient: both separable by the
    /// batch's rows) of a prefix-structured product, cut the way the device cuts it
    /// (`PrefixProductCapable`) or as one dense product. MADE's layers say what they compute
    /// and the device keeps its per-tile scheduling inside the chain.
    public static func prefix(
        _ product: PrefixProduct, _ kind: PrefixProduct.Kind, a: Tensor, b: Tensor, c: Tensor, bias: Tensor? = nil, gate: Tensor? = nil
    ) throws -> Tensor.ChainStage {
        try prefix(product, kind, a: a, b: b, c: c, bias: bias, gate: gate, usingCapability: true)
    }

    /// `prefix` with the device's tiling when it has one and `usingCapability` is true.
    package static func prefix(
        _ product: PrefixProduct, _ kind: PrefixProduct.Kind, a: Tensor, b: Tensor, c: Tensor, bias: Tensor?, gate: Tensor?,
        usingCapability: Bool
    ) throws -> Tensor.ChainStage {
        let op = "ChainStage.prefix"
        guard kind != .weightGradient else {
            throw FlowError.invalidArgument(op: op, detail: "the weight gradient sums over the rows: it cannot be a row-chain stage")
        }
        let batch = try Tensor.checkPrefix(op, product, kind, a, b, c, bias)
        let specs = Tensor.prefixSpecs(product, kind, batch: batch, on: a.device, usingCapability: usingCapability)
        return Tensor.ChainStage(specs: specs, a: a, b: b, c: c, bias: bias, gate: gate)
    }
}
