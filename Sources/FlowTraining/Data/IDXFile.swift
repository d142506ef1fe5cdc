import FlowRuntime
import Foundation

/// IDX files (the MNIST format): a big-endian magic `0x0000 08 NN` (unsigned bytes, NN
/// dimensions), the dimension sizes, then the data. Image files have 3 dimensions `[N, H, W]`.
public enum IDXFile {
    public static func read(_ path: String) throws -> ArrayData {
        let data = try DataError.contents(of: path)
        return try parse(data, file: path)
    }

    public static func parse(_ data: Data, file: String) throws -> ArrayData {
        let bytes = [UInt8](data)
        guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0 else { throw DataError(file: file, "is not an IDX file (bad magic)") }
        guard bytes[2] == 0x08 else {
            throw DataError(file: file, "IDX element type 0x\(String(bytes[2], radix: 16)) is not supported (only unsigned bytes, 0x08)")
        }
        let rank = Int(bytes[3])
        guard rank >= 1 else { throw DataError(file: file, "header declares 0 dimensions") }
        guard bytes.count >= 4 + 4 * rank else {
            throw DataError(file: file, "truncated header: \(rank) dimensions need \(4 + 4 * rank) header bytes, the file has \(bytes.count)")
        }
        // Each size is a big-endian UInt32, so it fits an Int; their product is checked.
        let shape = (0..<rank).map { d in (0..<4).reduce(0) { $0 << 8 | Int(bytes[4 + 4 * d + $1]) } }
        let start = 4 + 4 * rank
        let checked: CheckedShape
        do {
            checked = try CheckedShape(shape)
            _ = try checked.bytes(elementSize: 1, available: bytes.count - start)
        } catch {
            throw DataError(file: file, "header \(error.description)")
        }
        guard bytes.count - start == checked.count else {
            throw DataError(file: file, "holds \(bytes.count - start) data bytes, shape \(checked) needs \(checked.count): trailing bytes")
        }
        guard checked.count > 0 else { throw DataError(file: file, "is empty (shape \(checked))") }
        return ArrayData(shape: shape, values: bytes[start...].map(Float.init))
    }
}
