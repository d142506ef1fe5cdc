import FlowRuntime
import FlowTestSupport

/// Pure data movement (concatenation, split, 2×2 squeeze and its inverse, gather, matrix
/// permutation with a mask, device copies): bit-identical to the expected values, as in the tests.
enum LayoutChecks {
    static func run(_ r: CheckRecorder) {
        var rng = SeededRandom(seed: 81)
        for (outer, mids, inner) in [(1, [1, 2], 1), (3, [7, 1, 5], 4), (17, [33, 65], 1)] {
            let label = "[\(outer), \(mids), \(inner)]"
            r.run("concat/split", label) {
                let parts = mids.map { rng.floats(outer * $0 * inner) }
                let tensors = try zip(parts, mids).map { try r.tensor($0, inner == 1 ? [outer, $1] : [outer, $1, inner]) }
                try r.poison(outer * mids.reduce(0, +) * inner)
                let joined = try Tensor.concat(tensors)
                let expected = Reference.concat(parts, mids: mids, outer: outer, inner: inner)
                r.identical("concat", label, try joined.toArray(), expected.map { Float($0) })
                for (part, piece) in zip(parts, try joined.split(mids)) {
                    r.identical("split", label, try piece.toArray(), part.map { Float($0) })
                }
            }
        }
        for shape in [[1, 1, 2, 2], [2, 3, 4, 6], [3, 5, 8, 2]] {
            r.run("squeeze2x2", "\(shape)") {
                let x = rng.floats(shape.reduce(1, *))
                try r.poison(x.count)
                let squeezed = try r.tensor(x, shape).squeeze2x2()
                let expected = Reference.squeeze2x2(batch: shape[0], channels: shape[1], height: shape[2], width: shape[3], x: x)
                r.identical("squeeze2x2", "\(shape)", try squeezed.toArray(), expected.map { Float($0) })
                r.identical("unsqueeze2x2", "\(shape)", try squeezed.unsqueeze2x2().toArray(), x.map { Float($0) })
            }
        }
        for shape in [[1, 1], [5, 33], [2, 7, 9]] {
            r.run("gather", "\(shape)") {
                let view = AxisView(outer: shape[0], mid: shape[1], inner: shape.dropFirst(2).reduce(1, *))
                let x = rng.floats(view.count)
                let indices = rng.permutation(view.mid)
                try r.poison(view.count)
                let y = try r.tensor(x, shape).gather(IndexTensor(indices, on: r.device))
                r.identical("gather", "\(shape)", try y.toArray(), Reference.gather(view, x: x, indices: indices).map { Float($0) })
            }
        }
        for (rows, columns) in [(1, 1), (7, 33), (65, 17)] {
            r.run("permutedMatrix", "[\(rows), \(columns)]") {
                let x = rng.floats(rows * columns)
                let (rowIndices, columnIndices) = (rng.permutation(rows), rng.permutation(columns))
                let mask = rng.mask(rows * columns)
                let y = try r.tensor(x, [rows, columns]).permutedMatrix(
                    rows: IndexTensor(rowIndices, on: r.device), columns: IndexTensor(columnIndices, on: r.device),
                    mask: r.tensor(mask, [rows, columns]))
                let expected = (0..<rows * columns).map { index -> Float in
                    let (i, j) = (index / columns, index % columns)
                    return mask[index] == 0 ? 0 : Float(x[Int(rowIndices[i]) * columns + Int(columnIndices[j])])
                }
                r.identical("permutedMatrix", "[\(rows), \(columns)] masked", try y.toArray(), expected)
            }
        }
        r.run("copy", "[4099] offsets") {
            let x = rng.floats(4099)
            let source = try r.tensor(x, [4099])
            let destination = try Tensor.zeros([4099], on: r.device)
            try destination.copyElements(from: source, sourceOffset: 3, offset: 5, count: 4000)
            var expected = [Float](repeating: 0, count: 4099)
            for i in 0..<4000 { expected[5 + i] = Float(x[3 + i]) }
            r.identical("copy", "[4099] offsets", try destination.toArray(), expected)
        }
    }
}
