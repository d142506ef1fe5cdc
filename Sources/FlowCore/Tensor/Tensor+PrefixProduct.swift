extension Tensor {
    /// One product of a prefix-structured masked layer (`PrefixProduct`, its `Kind` names the
    /// operands): `a` and `b` in, `c` written, `bias` only for the forward. The weight must be
    /// zero outside the prefixes; the device may skip those blocks (`PrefixProductCapable`).
    public static func prefixProduct(
        _ product: PrefixProduct, _ kind: PrefixProduct.Kind, _ a: Tensor, _ b: Tensor, into c: Tensor, bias: Tensor? = nil
    ) throws {
        try prefixProduct(product, kind, a, b, into: c, bias: bias, usingCapability: true)
    }

    /// `prefixProduct` with the device's tiling when it has one and `usingCapability` is true,
    /// else as one dense product, which is what the op means (the tests run both on every device).
    package static func prefixProduct(
        _ product: PrefixProduct, _ kind: PrefixProduct.Kind, _ a: Tensor, _ b: Tensor, into c: Tensor, bias: Tensor?,
        usingCapability: Bool
    ) throws {
        let batch = try checkPrefix("prefixProduct", product, kind, a, b, c, bias)
        try gemmGroup(prefixSpecs(product, kind, batch: batch, on: a.device, usingCapability: usingCapability), a, b, into: c, bias: bias)
    }

    /// The products that compute `kind` of `product` on `batch` rows: the device's tiles, or the
    /// one dense product.
    static func prefixSpecs(
        _ product: PrefixProduct, _ kind: PrefixProduct.Kind, batch: Int, on device: any Device, usingCapability: Bool
    ) -> [GemmSpec] {
        if usingCapability, let device = device as? any PrefixProductCapable {
            return device.prefixTiles(product, kind, batch: batch)
        }
        return [product.denseSpec(kind, batch: batch)]
    }

    /// Checks the operands' shapes against `kind` and returns the batch.
    static func checkPrefix(
        _ op: String, _ product: PrefixProduct, _ kind: PrefixProduct.Kind, _ a: Tensor, _ b: Tensor, _ c: Tensor, _ bias: Tensor?
    ) throws -> Int {
        try Validate.sameDevice(op, a, b, c, bias)
        try Validate.rank(op, "a", a, 2...2)
        let batch = a.shape[0]
        let (outputs, inputs) = (product.outputs, product.inputs)
        switch kind {
        case .forward:
            try Validate.shape(op, "x", a, [batch, inputs])
            try Validate.shape(op, "weight", b, [outputs, inputs])
            try Validate.shape(op, "y", c, [batch, outputs])
            if let bias { try Validate.shape(op, "bias", bias, [outputs]) }
        case .weightGradient:
            try Validate.shape(op, "gradOutput", a, [batch, outputs])
            try Validate.shape(op, "x", b, [batch, inputs])
            try Validate.shape(op, "gradWeight", c, [outputs, inputs])
        case .inputGradient:
            try Validate.shape(op, "gradOutput", a, [batch, outputs])
            try Validate.shape(op, "weight", b, [outputs, inputs])
            try Validate.shape(op, "gradInput", c, [batch, inputs])
        }
        if case .forward = kind {
        } else if bias != nil {
            throw FlowError.invalidArgument(op: op, detail: "only the forward takes a bias")
        }
        return batch
    }
}
