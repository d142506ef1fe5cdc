/// One printed line of `flowkit bench`: a table row and its JSON object.
package protocol BenchLine {
    var line: String { get }
    var json: String { get }
}
