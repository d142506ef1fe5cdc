/// How the CPU cuts a prefix-structured product (`PrefixProduct`) into tiles: rows (forward,
/// weight gradient) or columns (input gradient) in up to `tilesPerLayer` near-equal consecutive
/// ranges of at least `minimumTile`, each one product over the longest prefix in it (or the rows
/// that read it). Eight tiles do 9/16 of the dense work instead of the ideal half. Tiles narrower
/// than 64 make products too small to run near the GEMM rate on a CPU and lose more than they
/// skip, so 256 hidden units get four tiles and 32 outputs one (measured on 5-block MAFs of 16
/// features, hidden 256, and 64 features, hidden 512: the latter was a few percent faster with 8
/// tiles than with 4).
enum CPUPrefixTiling {
    static let tilesPerLayer = 8
    static let minimumTile = 64

    /// `0..<count` cut as above (one range when `count` is smaller than two minimum tiles).
    static func cut(_ count: Int) -> [Range<Int>] {
        let tiles = max(1, min(tilesPerLayer, count / minimumTile))
        let size = max(1, (count + tiles - 1) / tiles)
        return stride(from: 0, to: count, by: size).map { $0..<min(count, $0 + size) }
    }
}
