import Foundation

/// Configs and data files the service tests submit.
enum TestData {
    /// A tiny model on the banana density that trains until stopped (for pause, resume, cancel).
    static func longConfig(steps: Int = 1_000_000) -> [String: Any] {
        [
            "data": ["kind": "toy", "name": "banana", "evaluationSize": 500],
            "model": ["kind": "realnvp", "layers": 2, "hidden": 8],
            "train": ["steps": steps, "batchSize": 64, "checkpointEvery": 50, "evalEvery": 1_000_000, "logEvery": 10],
        ]
    }

    /// A small tabular config reading an uploaded data set.
    static func csvConfig(dataset: String, steps: Int = 1_000_000) -> [String: Any] {
        [
            "data": ["kind": "csv", "train": "dataset:\(dataset)"],
            "model": ["kind": "realnvp", "layers": 2, "hidden": 8],
            "train": ["steps": steps, "batchSize": 32, "checkpointEvery": 50, "evalEvery": 1_000_000, "logEvery": 10],
        ]
    }

    /// `rows` rows of two correlated columns with a header.
    static func csv(rows: Int) -> Data {
        var generator = SystemRandomNumberGenerator()
        var text = "x,y\n"
        for _ in 0..<rows {
            let x = Double.random(in: -2...2, using: &generator)
            let y = x * 0.5 + Double.random(in: -0.3...0.3, using: &generator)
            text += "\(x),\(y)\n"
        }
        return Data(text.utf8)
    }
}
