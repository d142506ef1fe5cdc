import FlowRuntime
import FlowTestSupport
import Testing

/// Layout ops only move data: results must equal the reference bit for bit (tolerance 0).

/// Float views of values known to be Float-representable.
private func floats(_ values: [Double]) -> [Float] { values.map { Float($0) } }

@Suite struct LayoutTests {
    @Test(arguments: TestDevices.all)
    func concatAndSplitMatchReference(_ d: TestDevice) throws {
        var rng = SeededRandom(seed: 81)
        // (outer, mids, trailing dims): features of vectors, channels of images, empty and 1-wide parts.
        let cases: [(Int, [Int], [Int])] = [
            (3, [1, 2], []), (7, [17, 33, 1], []), (2, [3, 5], [5, 7]), (1, [1, 1, 1], [1, 1]), (4, [0, 7], [3]),
            (257, [2, 1], []), (2, [16, 16], [4, 4]),
        ]
        for (outer, mids, trailing) in cases {
            let inner = trailing.reduce(1, *)
            let parts = mids.map { rng.floats(outer * $0 * inner) }
            let tensors = try zip(parts, mids).map { try d.tensor($0, [outer, $1] + trailing) }
            try d.poisonCache(outer * mids.reduce(0, +) * inner)
            let joined = try Tensor.concat(tensors)
            let expected = Reference.concat(parts, mids: mids, outer: outer, inner: inner)
            #expect(joined.shape == [outer, mids.reduce(0, +)] + trailing)
            expectIdentical(try joined.toArray(), floats(expected), "concat \(mids) outer \(outer) trailing \(trailing)")
            let pieces = try joined.split(mids)
            for (index, piece) in pieces.enumerated() {
                #expect(piece.shape == [outer, mids[index]] + trailing)
                expectIdentical(try piece.toArray(), floats(parts[index]), "split part \(index) of \(mids)")
            }
            let referencePieces = Reference.split(expected, sizes: mids, outer: outer, inner: inner)
            #expect(referencePieces == parts, "reference split inverts reference concat")
        }
    }

    @Test(arguments: TestDevices.all)
    func squeezeAndUnsqueezeMatchReference(_ d: TestDevice) throws {
        var rng = SeededRandom(seed: 82)
        for shape in [[1, 1, 2, 2], [2, 3, 4, 6], [3, 5, 10, 2], [1, 7, 34, 66], [2, 1, 2, 258]] {
            let (b, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
            let x = rng.floats(shape.reduce(1, *))
            let input = try d.tensor(x, shape)
            try d.poisonCache(x.count)
            let squeezed = try input.squeeze2x2()
            let expected = Reference.squeeze2x2(batch: b, channels: c, height: h, width: w, x: x)
            #expect(squeezed.shape == [b, 4 * c, h / 2, w / 2])
            expectIdentical(try squeezed.toArray(), floats(expected), "squeeze2x2 \(shape)")
            let restored = try squeezed.unsqueeze2x2()
            #expect(restored.shape == shape)
            expectIdentical(try restored.toArray(), floats(x), "unsqueeze2x2 ∘ squeeze2x2 \(shape)")
            // Unsqueeze on its own, on data that was not produced by squeeze.
            let y = rng.floats(x.count)
            expectIdentical(
                try d.tensor(y, [b, 4 * c, h / 2, w / 2]).unsqueeze2x2().toArray(),
                floats(Reference.unsqueeze2x2(batch: b, channels: c, height: h, width: w, x: y)), "unsqueeze2x2 \(shape)")
        }
    }

    @Test(arguments: TestDevices.all)
    func gatherMatchesReference(_ d: TestDevice) throws {
        var rng = SeededRandom(seed: 83)
        for shape in [[1, 1], [3, 7], [2, 33], [257, 5], [2, 3, 5, 7], [1, 17, 4, 4]] {
            let view = channelView(shape)
            let x = rng.floats(view.count)
            // A permutation, its inverse, and an arbitrary index list with repeats.
            let permutation = rng.permutation(view.mid)
            var inverse = [Int32](repeating: 0, count: view.mid)
            for (j, p) in permutation.enumerated() { inverse[Int(p)] = Int32(j) }
            let repeats = (0..<view.mid).map { _ in Int32(rng.int(in: 0...(view.mid - 1))) }
            let input = try d.tensor(x, shape)
            try d.poisonCache(view.count)
            let permuted = try input.gather(IndexTensor(permutation, on: d.device))
            expectIdentical(
                try permuted.toArray(), floats(Reference.gather(view, x: x, indices: permutation)), "gather perm \(shape)")
            expectIdentical(
                try permuted.gather(IndexTensor(inverse, on: d.device)).toArray(), floats(x),
                "gather by inverse permutation \(shape)")
            expectIdentical(
                try input.gather(IndexTensor(repeats, on: d.device)).toArray(),
                floats(Reference.gather(view, x: x, indices: repeats)), "gather with repeats \(shape)")
        }
    }

    /// `permutedMatrix`: rows and columns reordered independently, and the mask a select (NaN in
    /// the dropped entries must not reach the result), on shapes that are not multiples of anything.
    @Test(arguments: TestDevices.all)
    func permutedMatrixMatchesReference(_ d: TestDevice) throws {
        var rng = SeededRandom(seed: 85)
        for (rows, columns) in [(1, 1), (3, 7), (33, 2), (65, 129)] {
            var x = rng.floats(rows * columns)
            let (rowOrder, columnOrder) = (rng.permutation(rows), rng.permutation(columns))
            let mask = rng.mask(rows * columns)
            // Where the mask drops an entry, poison its source with NaN.
            for i in 0..<rows {
                for j in 0..<columns where mask[i * columns + j] == 0 { x[Int(rowOrder[i]) * columns + Int(columnOrder[j])] = .nan }
            }
            var plain = [Float](repeating: 0, count: rows * columns)
            var masked = plain
            for i in 0..<rows {
                for j in 0..<columns {
                    let value = Float(x[Int(rowOrder[i]) * columns + Int(columnOrder[j])])
                    plain[i * columns + j] = value
                    masked[i * columns + j] = mask[i * columns + j] == 0 ? 0 : value
                }
            }
            let input = try d.tensor(x, [rows, columns])
            let (rowIndices, columnIndices) = (try IndexTensor(rowOrder, on: d.device), try IndexTensor(columnOrder, on: d.device))
            // The device's one-pass op (PermuteMatrixCapable), then the generic fallback.
            for usingCapability in [true, false] {
                let path = "\(rows)×\(columns), capability \(usingCapability)"
                let selected = try input.permutedMatrix(
                    rows: rowIndices, columns: columnIndices, mask: d.tensor(mask, [rows, columns]), usingCapability: usingCapability)
                expectIdentical(try selected.toArray(), masked, "permutedMatrix masked \(path)")
                let all = try input.permutedMatrix(rows: rowIndices, columns: columnIndices, mask: nil, usingCapability: usingCapability).toArray()
                #expect(zip(all, plain).allSatisfy { $0.bitPattern == $1.bitPattern }, "permutedMatrix \(path)")
            }
        }
        let square = try Tensor.zeros([3, 3], on: d.device)
        let short = try IndexTensor([0, 1], on: d.device)
        #expect(throws: FlowError.self) { try square.permutedMatrix(rows: short, columns: short) }
        let outOfRange = try IndexTensor([0, 1, 3], on: d.device)
        #expect(throws: FlowError.self) { try square.permutedMatrix(rows: outOfRange, columns: outOfRange) }
    }

    @Test(arguments: TestDevices.all)
    func copiesAndReshapes(_ d: TestDevice) throws {
        var rng = SeededRandom(seed: 84)
        let x = rng.floats(3 * 257)
        let tensor = try d.tensor(x, [3, 257])
        expectIdentical(try tensor.copy(to: d.device).toArray(), floats(x), "copy on the same device")
        for other in TestDevices.all {
            let moved = try tensor.copy(to: other.device)
            #expect(moved.device === other.device)
            expectIdentical(try moved.toArray(), floats(x), "copy \(d) → \(other)")
        }
        let reshaped = try tensor.reshaped([257, 3])
        #expect(reshaped.shape == [257, 3])
        expectIdentical(try reshaped.toArray(), floats(x), "reshape keeps the storage")
        let filled = try Tensor.full([7, 33], value: -2.5, on: d.device)
        expectIdentical(try filled.toArray(), [Float](repeating: -2.5, count: 7 * 33), "full")
        expectIdentical(try Tensor.zeros([1], on: d.device).toArray(), [0], "zeros")
    }

    /// The raw `Device.copy` and `Device.copySlab` with nonzero offsets on both sides; everything
    /// outside the copied range keeps its old contents.
    @Test(arguments: TestDevices.all)
    func rawCopiesWithOffsets(_ d: TestDevice) throws {
        var rng = SeededRandom(seed: 85)
        let (source, target) = (rng.floats(300), rng.floats(280))
        let destination = try d.tensor(target, [280])
        try d.device.copy(d.tensor(source, [300]).buffer, sourceOffset: 17, to: destination.buffer, destinationOffset: 33, elements: 201)
        var expected = target
        for i in 0..<201 { expected[33 + i] = source[17 + i] }
        expectIdentical(try destination.toArray(), floats(expected), "copy 201 elements from offset 17 to offset 33")

        // [outer 3, mid 7 → 9, inner 5]: rows 2..<6 of the source to rows 4..<8 of the destination.
        let (slabSource, slabTarget) = (rng.floats(3 * 7 * 5), rng.floats(3 * 9 * 5))
        let slab = try d.tensor(slabTarget, [3 * 9 * 5])
        try d.device.copySlab(
            outer: 3, inner: 5, length: 4, source: d.tensor(slabSource, [3 * 7 * 5]).buffer, sourceMid: 7, sourceStart: 2,
            destination: slab.buffer, destinationMid: 9, destinationStart: 4)
        let expectedSlab = Reference.copySlab(
            outer: 3, inner: 5, length: 4, source: slabSource, sourceMid: 7, sourceStart: 2, destination: slabTarget,
            destinationMid: 9, destinationStart: 4)
        expectIdentical(try slab.toArray(), floats(expectedSlab), "copySlab with offsets")
    }
}
