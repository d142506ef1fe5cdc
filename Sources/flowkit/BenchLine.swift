/// One printed line of `flowkit bench`: a table row and its JSON object.
protocol BenchLine {
    var line: String { get }
    var json: String { get }
}
