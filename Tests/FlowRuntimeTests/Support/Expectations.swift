import FlowRuntime
import FlowTestSupport
import Testing

/// Records an issue naming the worst element unless `actual` matches `expected` within
/// `atol + rtol·|expected|` elementwise.
func expectClose(
    _ actual: Tensor, _ expected: [Double], rtol: Double, atol: Double, _ label: String,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let report = Closeness.compare(try actual.values(), expected, rtol: rtol, atol: atol, shape: actual.shape)
    #expect(report.passed, Comment(rawValue: "\(label): \(report)"), sourceLocation: sourceLocation)
}

/// As above with a per-element absolute tolerance (bounds that scale with each output's magnitude).
func expectClose(
    _ actual: Tensor, _ expected: [Double], rtol: Double, atol: [Double], _ label: String,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let report = Closeness.compare(try actual.values(), expected, rtol: rtol, atol: atol, shape: actual.shape)
    #expect(report.passed, Comment(rawValue: "\(label): \(report)"), sourceLocation: sourceLocation)
}

/// Host-array form, for gradients compared with finite differences.
func expectClose(
    _ actual: [Double], _ expected: [Double], rtol: Double, atol: Double, _ label: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let report = Closeness.compare(actual, expected, rtol: rtol, atol: atol)
    #expect(report.passed, Comment(rawValue: "\(label): \(report)"), sourceLocation: sourceLocation)
}

/// Bit-for-bit equality (pure data movement, determinism, cross-device RNG streams).
func expectIdentical(
    _ actual: [Float], _ expected: [Float], _ label: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual.count == expected.count else {
        Issue.record(
            Comment(rawValue: "\(label): \(actual.count) values, expected \(expected.count)"),
            sourceLocation: sourceLocation)
        return
    }
    let differing = (0..<actual.count).filter { actual[$0].bitPattern != expected[$0].bitPattern }
    if let first = differing.first {
        Issue.record(
            Comment(
                rawValue: "\(label): \(differing.count) of \(actual.count) values differ bitwise; first at [\(first)]: "
                    + "\(actual[first]) (0x\(String(actual[first].bitPattern, radix: 16))) vs "
                    + "\(expected[first]) (0x\(String(expected[first].bitPattern, radix: 16)))"),
            sourceLocation: sourceLocation)
    }
}

/// Records an issue for each comparison of a shared op case (FlowTestSupport/Cases) that fails,
/// naming its op, `label` and the worst element.
func expect(_ comparisons: [OpComparison], _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
    for comparison in comparisons {
        let report = comparison.closeness
        #expect(report.passed, Comment(rawValue: "\(comparison.op) \(label): \(report)"), sourceLocation: sourceLocation)
    }
}
