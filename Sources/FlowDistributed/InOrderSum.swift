/// The sum of `count` equal blocks of `width` floats, added one block at a time in block order:
/// `((b₀ + b₁) + b₂) + …`, element by element. Float addition is not associative, so the order is
/// the result's definition; it is micro-batch order, whatever the rank count.
public enum InOrderSum {
    public static func sum(_ blocks: UnsafeBufferPointer<Float>, count: Int, width: Int) throws -> [Float] {
        guard count >= 1, width >= 0, blocks.count == count * width else {
            throw DistributedError("in-order sum of \(count) blocks of \(width) values over \(blocks.count) values")
        }
        var total = Array(blocks[0..<width])
        for block in 1..<count {
            let start = block * width
            for i in 0..<width { total[i] += blocks[start + i] }
        }
        return total
    }
}
