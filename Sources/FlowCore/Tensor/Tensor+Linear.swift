/// Gradients of `Tensor.linear` with respect to its input, weight and bias.
public struct LinearGradients: Sendable {
    public var input: Tensor
    /// Already multiplied by the mask, so masked-out weights never move.
    public var weight: Tensor
    public var bias: Tensor?
}

extension Tensor {
    /// Matrix product of rank-2 tensors (`[m, k] · [k, n]`), or of rank-3 batches with a matching
    /// leading dimension; `transposeSelf` / `transposeOther` use the stored matrices transposed.
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) throws -> Tensor {
        let op = "matmul"
        try Validate.sameDevice(op, self, other)
        guard rank == other.rank, rank == 2 || rank == 3, rank == 2 || shape[0] == other.shape[0] else {
            throw FlowError.shapeMismatch(op: op, detail: "\(shape) · \(other.shape): need two rank-2 or two equally batched rank-3 tensors")
        }
        let batch = rank == 3 ? shape[0] : 1
        let (rowsA, colsA) = (shape[rank - 2], shape[rank - 1])
        let (rowsB, colsB) = (other.shape[rank - 2], other.shape[rank - 1])
        let (m, k) = transposeSelf ? (colsA, rowsA) : (rowsA, colsA)
        let (k2, n) = transposeOther ? (colsB, rowsB) : (rowsB, colsB)
        guard k == k2 else {
            throw FlowError.shapeMismatch(
                op: op, detail: "\(shape)\(transposeSelf ? "ᵀ" : "") · \(other.shape)\(transposeOther ? "ᵀ" : ""): inner sizes \(k) and \(k2) differ")
        }
        let result = try Tensor.empty(rank == 3 ? [batch, m, n] : [m, n], on: device)
        let spec = GemmSpec(m: m, n: n, k: k, transposeA: transposeSelf, transposeB: transposeOther, batch: batch)
        try device.gemm(spec, a: buffer, b: other.buffer, c: result.buffer, bias: nil)
        return result
    }

    /// `c ← act(α·op(a)·op(b) + β·c + bias)` in place, where `spec`'s leading dimensions and
    /// offsets address blocks of the three tensors' storage (row-major, whatever their shapes).
    /// The building block of algorithms that fill a matrix block by block, such as MADE's
    /// incremental sampling. Throws when a block does not fit its tensor.
    public static func gemm(_ spec: GemmSpec, _ a: Tensor, _ b: Tensor, into c: Tensor, bias: Tensor? = nil) throws {
        try checkBlock("gemm", spec, a, b, c, bias)
        try a.device.gemm(spec, a: a.buffer, b: b.buffer, c: c.buffer, bias: bias?.buffer)
    }

    /// Several `gemm`s on the same tensors as one op, which a device may run side by side: the
    /// tiles of a block-triangular product. Their blocks of `c` must not overlap (checked; the
    /// products must be unbatched and share `ldc`).
    public static func gemmGroup(_ specs: [GemmSpec], _ a: Tensor, _ b: Tensor, into c: Tensor, bias: Tensor? = nil) throws {
        try gemmGroup(specs, a, b, into: c, bias: bias, usingCapability: true)
    }

    /// `gemmGroup` through the device's `GemmGroupCapable` when it has one and `usingCapability`
    /// is true, else through the fallback that defines the op (the tests run both on every device).
    package static func gemmGroup(_ specs: [GemmSpec], _ a: Tensor, _ b: Tensor, into c: Tensor, bias: Tensor?, usingCapability: Bool) throws {
        try checkGroup("gemmGroup", specs, a, b, c, bias)
        try runGroup(specs, a, b, c, bias, usingCapability: usingCapability)
    }

    /// A checked group on the device's own scheduler when it has one, else product by product.
    private static func runGroup(_ specs: [GemmSpec], _ a: Tensor, _ b: Tensor, _ c: Tensor, _ bias: Tensor?, usingCapability: Bool) throws {
        if usingCapability, let device = a.device as? any GemmGroupCapable {
            return try device.gemmGroup(specs, a: a.buffer, b: b.buffer, c: c.buffer, bias: bias?.buffer)
        }
        for spec in specs { try a.device.gemm(spec, a: a.buffer, b: b.buffer, c: c.buffer, bias: bias?.buffer) }
    }

    private static func checkGroup(_ op: String, _ specs: [GemmSpec], _ a: Tensor, _ b: Tensor, _ c: Tensor, _ bias: Tensor?) throws {
        for spec in specs { try checkBlock(op, spec, a, b, c, bias) }
        let written = specs.filter { $0.m > 0 && $0.n > 0 }
        guard written.allSatisfy({ $0.batch == 1 && $0.ldc == written.first?.ldc }) else {
            throw FlowError.invalidArgument(op: op, detail: "products in a group must be unbatched and share ldc")
        }
        let blocks = written.map { spec in
            let (row, column) = spec.offsetC.quotientAndRemainder(dividingBy: max(1, spec.ldc))
            return (rows: row..<(row + spec.m), columns: column..<(column + spec.n))
        }
        for (i, first) in blocks.enumerated() {
            for second in blocks[(i + 1)...] where first.rows.overlaps(second.rows) && first.columns.overlaps(second.columns) {
                throw FlowError.invalidArgument(
                    op: op, detail: "blocks of c overlap: rows \(first.rows) × columns \(first.columns) and rows \(second.rows) × columns \(second.columns)")
            }
        }
    }

    /// One stage of `gemmRowChain`: products of `a` and `b` into blocks of `c` (plus `bias`), then,
    /// with a `gate`, ReLU's backward `c = gate > 0 ? c : 0` (the gate shaped like `c`).
    public struct ChainStage {
        public var specs: [GemmSpec]
        public var a: Tensor
        public var b: Tensor
        public var c: Tensor
        public var bias: Tensor?
        public var gate: Tensor?

        public init(specs: [GemmSpec], a: Tensor, b: Tensor, c: Tensor, bias: Tensor? = nil, gate: Tensor? = nil) {
            (self.specs, self.a, self.b, self.c, self.bias, self.gate) = (specs, a, b, c, bias, gate)
        }
    }

    /// Stages of products that are separable by rows (see `GemmRowChainCapable`): every product
    /// reads its A untransposed with `m` equal to the chain's rows, the products of a stage write
    /// disjoint blocks of its C, and no stage reads any stage's C as B, bias or gate. A gated
    /// stage has no bias or activation, and its products write all of C.
    public static func gemmRowChain(_ stages: [ChainStage]) throws {
        try gemmRowChain(stages, usingCapability: true)
    }

    /// `gemmRowChain` through the device's `GemmRowChainCapable` when it has one and
    /// `usingCapability` is true, else through the fallback that defines the op (the tests run
    /// both on every device).
    package static func gemmRowChain(_ stages: [ChainStage], usingCapability: Bool) throws {
        let op = "gemmRowChain"
        guard let rows = stages.first?.specs.first?.m else { return }
        let written = stages.map { ObjectIdentifier($0.c.buffer as AnyObject) }
        for stage in stages {
            try checkGroup(op, stage.specs, stage.a, stage.b, stage.c, stage.bias)
            if let bad = stage.specs.first(where: { $0.transposeA || $0.m != rows }) {
                throw FlowError.invalidArgument(op: op, detail: "\(bad) is not separable by the chain's \(rows) rows")
            }
            for operand in [stage.b, stage.bias, stage.gate].compactMap({ $0 }) where written.contains(ObjectIdentifier(operand.buffer as AnyObject)) {
                throw FlowError.invalidArgument(op: op, detail: "a stage reads the output of a stage as B, bias or gate: rows would race")
            }
            if let gate = stage.gate {
                try Validate.sameDevice(op, stage.c, gate)
                try Validate.shape(op, "gate", gate, stage.c.shape)
                let covered = stage.specs.reduce(0) { $0 + $1.m * $1.n }
                guard stage.bias == nil, stage.specs.allSatisfy({ $0.activation == .none }), covered == stage.c.count else {
                    throw FlowError.invalidArgument(op: op, detail: "a gated stage must write all of c, with no bias or activation")
                }
            }
        }
        let device = stages[0].a.device
        if usingCapability, let device = device as? any GemmRowChainCapable { return try device.gemmRowChain(rows: rows, stages: stages) }
        // What the op means: stage after stage, each a group, then the gate as ReLU's backward in place.
        for stage in stages {
            try runGroup(stage.specs, stage.a, stage.b, stage.c, stage.bias, usingCapability: usingCapability)
            if let gate = stage.gate {
                try device.unaryBackward(.relu, count: stage.c.count, x: gate.buffer, y: gate.buffer, gradY: stage.c.buffer, gradX: stage.c.buffer)
            }
        }
    }

    private static func checkBlock(_ op: String, _ spec: GemmSpec, _ a: Tensor, _ b: Tensor, _ c: Tensor, _ bias: Tensor?) throws {
        try Validate.sameDevice(op, a, b, c, bias)
        guard spec.m >= 0, spec.n >= 0, spec.k >= 0, spec.batch >= 1, spec.leadingDimensionsValid else {
            throw FlowError.invalidArgument(op: op, detail: "invalid sizes or leading dimensions in \(spec)")
        }
        for (name, tensor, needed) in [("a", a, spec.requiredA), ("b", b, spec.requiredB), ("c", c, spec.requiredC)]
        where tensor.count < needed {
            throw FlowError.shapeMismatch(op: op, detail: "\(name) \(tensor.shape) holds \(tensor.count) elements; the block needs \(needed)")
        }
        if let bias, bias.count < spec.offsetBias + spec.n {
            throw FlowError.shapeMismatch(op: op, detail: "bias \(bias.shape) is shorter than offset \(spec.offsetBias) + n \(spec.n)")
        }
    }

    /// A (masked) linear layer `y = act(x · (W ⊙ M)ᵀ + b)` for `x: [B, in]`, `W, M: [out, in]`,
    /// `b: [out]`. `M` is MADE's binary mask; without one the layer is dense. A ReLU `activation`
    /// runs inside the product while its output is in cache (one pass less than `unary(.relu)`).
    public func linear(weight: Tensor, bias: Tensor? = nil, mask: Tensor? = nil, activation: GemmActivation = .none) throws -> Tensor {
        let op = "linear"
        try Validate.sameDevice(op, self, weight, bias, mask)
        try Self.checkLinear(op, input: self, weight: weight, bias: bias, mask: mask)
        let effective = try mask.map { try weight.applying(.multiply, $0) } ?? weight
        let (rows, outputs, inputs) = (shape[0], weight.shape[0], weight.shape[1])
        let result = try Tensor.empty([rows, outputs], on: device)
        try device.gemm(
            GemmSpec(m: rows, n: outputs, k: inputs, transposeB: true, activation: activation),
            a: buffer, b: effective.buffer, c: result.buffer, bias: bias?.buffer)
        return result
    }

    /// Backward of `linear`: `∂x = ∂y · (W ⊙ M)`, `∂W = (∂yᵀ · x) ⊙ M`, `∂b = Σ_rows ∂y`.
    public static func linearBackward(
        input: Tensor, weight: Tensor, mask: Tensor? = nil, hasBias: Bool, gradOutput: Tensor
    ) throws -> LinearGradients {
        let op = "linearBackward"
        try Validate.sameDevice(op, input, weight, mask, gradOutput)
        try checkLinear(op, input: input, weight: weight, bias: nil, mask: mask)
        let (rows, outputs, inputs) = (input.shape[0], weight.shape[0], weight.shape[1])
        try Validate.shape(op, "gradOutput", gradOutput, [rows, outputs])
        let device = input.device
        let effective = try mask.map { try weight.applying(.multiply, $0) } ?? weight
        let gradInput = try Tensor.empty([rows, inputs], on: device)
        try device.gemm(
            GemmSpec(m: rows, n: inputs, k: outputs),
            a: gradOutput.buffer, b: effective.buffer, c: gradInput.buffer, bias: nil)
        var gradWeight = try Tensor.empty([outputs, inputs], on: device)
        try device.gemm(
            GemmSpec(m: outputs, n: inputs, k: rows, transposeA: true),
            a: gradOutput.buffer, b: input.buffer, c: gradWeight.buffer, bias: nil)
        if let mask { gradWeight = try gradWeight.applying(.multiply, mask) }
        let gradBias = hasBias ? try gradOutput.featureSum() : nil
        return LinearGradients(input: gradInput, weight: gradWeight, bias: gradBias)
    }

    private static func checkLinear(_ op: String, input: Tensor, weight: Tensor, bias: Tensor?, mask: Tensor?) throws {
        try Validate.rank(op, "input", input, 2...2)
        try Validate.rank(op, "weight", weight, 2...2)
        guard input.shape[1] == weight.shape[1] else {
            throw FlowError.shapeMismatch(
                op: op, detail: "input \(input.shape) has \(input.shape[1]) features but weight \(weight.shape) expects \(weight.shape[1])")
        }
        if let mask { try Validate.shape(op, "mask", mask, weight.shape) }
        if let bias { try Validate.shape(op, "bias", bias, [weight.shape[0]]) }
    }
}
