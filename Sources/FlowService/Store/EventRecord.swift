import Foundation
import GRDB

/// One row of the `event` table: a state change of a job, or one line of its `metrics.jsonl`.
/// `seq` orders all events (the `id:` of Server-Sent Events); a metric line is stored once per
/// (job, event kind, step), so the lines a resumed run writes again are not repeated.
public struct EventRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "event"

    public enum Kind: String, Codable, Sendable {
        case state, metric
    }

    public var seq: Int64?
    public var jobId: String
    public var type: Kind
    /// `train:120`, `eval:500`, … for metric lines; nil for state changes.
    public var metricKey: String?
    /// A JSON object.
    public var data: String
    public var time: Double

    public init(jobId: String, type: Kind, metricKey: String?, data: String, time: Double) {
        self.jobId = jobId
        self.type = type
        self.metricKey = metricKey
        self.data = data
        self.time = time
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        seq = inserted.rowID
    }
}
