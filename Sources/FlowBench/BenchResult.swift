import Foundation

/// One measured figure.
package struct BenchResult: BenchLine {
    let device: String
    let name: String
    let shape: String
    let seconds: [Double]
    let flops: Double
    /// On a yardstick's row: our product's GFLOP/s over the yardstick's (1 = as fast).
    var oursOverYardstick: Double?
    /// On CLBlast's row: the largest |ours − CLBlast| over the product, from the same operands.
    var maxAbsDifference: Double?

    var median: Double { seconds.sorted()[seconds.count / 2] }
    var gflops: Double { flops / median / 1e9 }

    package var line: String {
        device.padding(toLength: 10, withPad: " ", startingAt: 0) + name.padding(toLength: 16, withPad: " ", startingAt: 0)
            + shape.padding(toLength: 20, withPad: " ", startingAt: 0)
            + String(format: "%9.3f ms %8.1f GFLOP/s", median * 1e3, gflops)
            + (oursOverYardstick.map { String(format: "   ours/this %.2f", $0) } ?? "")
            + (maxAbsDifference.map { String(format: "   max |ours - this| %.2e", $0) } ?? "")
    }

    package var json: String {
        let sorted = seconds.sorted()
        let extra =
            (oursOverYardstick.map { String(format: #","oursOverYardstick":%.4f"#, $0) } ?? "")
            + (maxAbsDifference.map { String(format: #","maxAbsDifference":%.3e"#, $0) } ?? "")
        return String(
            format: #"{"device":"%@","op":"%@","shape":"%@","medianMs":%.4f,"minMs":%.4f,"maxMs":%.4f,"gflops":%.2f%@}"#,
            device, name, shape, median * 1e3, sorted[0] * 1e3, sorted[sorted.count - 1] * 1e3, gflops, extra)
    }

    /// `text` with JSON's string escapes (the notes quote library error messages).
    static func escaped(_ text: String) -> String {
        text.unicodeScalars.map { scalar -> String in
            switch scalar {
            case "\\": return "\\\\"
            case "\"": return "\\\""
            case _ where scalar.value < 0x20: return String(format: "\\u%04x", scalar.value)
            default: return String(scalar)
            }
        }.joined()
    }
}
