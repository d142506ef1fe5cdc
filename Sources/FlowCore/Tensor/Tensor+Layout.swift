extension Tensor {
    /// Concatenation along axis 1 (features of `[B, D]`, channels of `[B, C, H, W]`).
    public static func concat(_ parts: [Tensor]) throws -> Tensor {
        let op = "concat"
        guard let first = parts.first else { throw FlowError.invalidArgument(op: op, detail: "no tensors to concatenate") }
        try Validate.rank(op, "first part", first, 2...4)
        for part in parts {
            try Validate.sameDevice(op, first, part)
            guard part.rank == first.rank, part.shape[0] == first.shape[0],
                Array(part.shape.dropFirst(2)) == Array(first.shape.dropFirst(2))
            else {
                throw FlowError.shapeMismatch(op: op, detail: "parts \(parts.map(\.shape)) differ outside axis 1")
            }
        }
        let total = parts.reduce(0) { $0 + $1.shape[1] }
        let result = try Tensor.empty(first.shape.replacing(at: 1, with: total), on: first.device)
        let inner = first.shape.dropFirst(2).reduce(1, *)
        var start = 0
        for part in parts {
            try first.device.copySlab(
                outer: first.shape[0], inner: inner, length: part.shape[1],
                source: part.buffer, sourceMid: part.shape[1], sourceStart: 0,
                destination: result.buffer, destinationMid: total, destinationStart: start)
            start += part.shape[1]
        }
        return result
    }

    /// Splits along axis 1 into parts of the given sizes (which must add up to `shape[1]`).
    public func split(_ sizes: [Int]) throws -> [Tensor] {
        let op = "split"
        try Validate.rank(op, "input", self, 2...4)
        guard sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == shape[1] else {
            throw FlowError.shapeMismatch(op: op, detail: "sizes \(sizes) do not add up to axis 1 of \(shape)")
        }
        let inner = shape.dropFirst(2).reduce(1, *)
        var start = 0
        return try sizes.map { size in
            let part = try Tensor.empty(shape.replacing(at: 1, with: size), on: device)
            try device.copySlab(
                outer: shape[0], inner: inner, length: size, source: buffer, sourceMid: shape[1], sourceStart: start,
                destination: part.buffer, destinationMid: size, destinationStart: 0)
            start += size
            return part
        }
    }

    /// 2×2 space-to-depth: `[B, C, H, W] → [B, 4C, H/2, W/2]`, `out[b, 4c + 2dy + dx, i, j] = in[b, c, 2i + dy, 2j + dx]`.
    public func squeeze2x2() throws -> Tensor {
        let op = "squeeze2x2"
        try Validate.rank(op, "input", self, 4...4)
        let (b, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        guard h % 2 == 0, w % 2 == 0 else {
            throw FlowError.shapeMismatch(op: op, detail: "height and width of \(shape) must be even")
        }
        let result = try Tensor.empty([b, 4 * c, h / 2, w / 2], on: device)
        try device.squeeze2x2(batch: b, channels: c, height: h, width: w, inverse: false, x: buffer, y: result.buffer)
        return result
    }

    /// Inverse of `squeeze2x2`: `[B, 4C, H, W] → [B, C, 2H, 2W]`.
    public func unsqueeze2x2() throws -> Tensor {
        let op = "unsqueeze2x2"
        try Validate.rank(op, "input", self, 4...4)
        guard shape[1] % 4 == 0 else {
            throw FlowError.shapeMismatch(op: op, detail: "channels of \(shape) must be a multiple of 4")
        }
        let (b, c, h, w) = (shape[0], shape[1] / 4, shape[2] * 2, shape[3] * 2)
        let result = try Tensor.empty([b, c, h, w], on: device)
        try device.squeeze2x2(batch: b, channels: c, height: h, width: w, inverse: true, x: buffer, y: result.buffer)
        return result
    }

    /// `y[:, j] = x[:, indices[j]]` along axis 1 (a permutation of features or channels when
    /// `indices` is one; its gradient is the gather by the inverse permutation).
    public func gather(_ indices: IndexTensor) throws -> Tensor {
        let op = "gather"
        let view = try Validate.channelView(op, self)
        guard indices.device === device else {
            throw FlowError.deviceMismatch(op: op, detail: "input on \(device.info.selector), indices on \(indices.device.info.selector)")
        }
        guard indices.count == view.mid else {
            throw FlowError.shapeMismatch(op: op, detail: "\(indices.count) indices for axis 1 of \(shape)")
        }
        if let bad = indices.values.first(where: { $0 < 0 || Int($0) >= view.mid }) {
            throw FlowError.invalidArgument(op: op, detail: "index \(bad) out of range 0..<\(view.mid)")
        }
        let result = try Tensor.empty(shape, on: device)
        try device.gather(view, x: buffer, indices: indices.buffer, y: result.buffer)
        return result
    }
}

extension Tensor {
    /// `y[i, j] = x[rows[i], columns[j]]` for a rank-2 `x`, with `y[i, j] = 0` where `mask[i, j]` is
    /// 0 (`mask` has `y`'s shape). A select: entries of `x` that the mask drops are never read
    /// into `y`, so they may be uninitialised. Reorders a matrix into another unit order (MADE's
    /// weights into degree order, their gradients back).
    public func permutedMatrix(rows: IndexTensor, columns: IndexTensor, mask: Tensor? = nil) throws -> Tensor {
        try permutedMatrix(rows: rows, columns: columns, mask: mask, usingCapability: true)
    }

    /// `permutedMatrix` through the device's `PermuteMatrixCapable` when it has one and
    /// `usingCapability` is true, else through the fallback that defines the op (the tests run
    /// both on every device).
    package func permutedMatrix(rows: IndexTensor, columns: IndexTensor, mask: Tensor?, usingCapability: Bool) throws -> Tensor {
        let op = "permutedMatrix"
        try Validate.rank(op, "input", self, 2...2)
        try Validate.sameDevice(op, self, mask)
        for (name, indices, size) in [("rows", rows, shape[0]), ("columns", columns, shape[1])] {
            guard indices.device === device else {
                throw FlowError.deviceMismatch(op: op, detail: "input on \(device.info.selector), \(name) on \(indices.device.info.selector)")
            }
            guard indices.count == size else {
                throw FlowError.shapeMismatch(op: op, detail: "\(indices.count) \(name) indices for input \(shape)")
            }
            if let bad = indices.values.first(where: { $0 < 0 || Int($0) >= size }) {
                throw FlowError.invalidArgument(op: op, detail: "\(name) index \(bad) out of range 0..<\(size)")
            }
        }
        if let mask { try Validate.shape(op, "mask", mask, shape) }
        let result = try Tensor.empty(shape, on: device)
        if usingCapability, let device = device as? any PermuteMatrixCapable {
            try device.permuteMatrix(
                rows: shape[0], columns: shape[1], x: buffer, rowIndices: rows.buffer, columnIndices: columns.buffer,
                mask: mask?.buffer, y: result.buffer)
            return result
        }
        // What the op means: gather the rows, then the columns, then keep an entry where the mask
        // is nonzero (|mask| > 0 as ReLU's backward gate, a select, so a dropped NaN stays out).
        let byRows = try Tensor.empty(shape, on: device)
        try device.gather(AxisView(outer: 1, mid: shape[0], inner: shape[1]), x: buffer, indices: rows.buffer, y: byRows.buffer)
        let permuted = mask == nil ? result : try Tensor.empty(shape, on: device)
        try device.gather(AxisView(outer: shape[0], mid: shape[1], inner: 1), x: byRows.buffer, indices: columns.buffer, y: permuted.buffer)
        if let mask {
            let magnitude = try Tensor.empty(shape, on: device)
            try device.unary(.leakyRelu(slope: -1), count: count, x: mask.buffer, y: magnitude.buffer)
            try device.unaryBackward(.relu, count: count, x: magnitude.buffer, y: magnitude.buffer, gradY: permuted.buffer, gradX: result.buffer)
        }
        return result
    }
}
