import FlowTraining
import Foundation

/// The JSON forms of stored records in API answers.
enum Views {
    static func job(_ job: JobRecord, datasets: [String], paths: StatePaths) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(job.id),
            "name": JSONText.string(job.name),
            "status": .string(job.status.rawValue),
            "device": .string(job.device),
            "priority": .number(Double(job.priority)),
            "step": .number(Double(job.step)),
            "checkpointStep": JSONText.number(job.checkpointStep),
            "totalSteps": .number(Double(job.totalSteps)),
            "loss": JSONText.number(job.loss),
            "validationNLL": JSONText.number(job.validationNLL),
            "bitsPerDim": JSONText.number(job.bitsPerDim),
            "testNLL": JSONText.number(job.testNLL),
            "createdAt": JSONText.time(job.createdAt),
            "startedAt": JSONText.time(job.startedAt),
            "finishedAt": JSONText.time(job.finishedAt),
            "attempts": .number(Double(job.attempts)),
            "failure": JSONText.string(job.failure),
            "stopRequested": JSONText.string(job.stopRequest?.rawValue),
            "datasets": .array(datasets.map { .string($0) }),
            "runDirectory": .string(paths.run(job.id).path),
        ]
        if job.status != .running { object["stopRequested"] = .null }
        return .object(object)
    }

    static func dataset(_ record: DatasetRecord) -> JSONValue {
        .object([
            "id": .string(record.id),
            "ref": .string("dataset:\(record.id)"),
            "name": .string(record.name),
            "format": .string(record.format.rawValue),
            "bytes": .number(Double(record.bytes)),
            "shape": .array(record.shapeValues.map { .number(Double($0)) }),
            "createdAt": JSONText.time(record.createdAt),
        ])
    }

    static func event(_ event: EventRecord) -> JSONValue {
        let data = (try? StrictJSON.parse(Data(event.data.utf8))) ?? .string(event.data)
        return .object([
            "seq": .number(Double(event.seq ?? 0)),
            "type": .string(event.type.rawValue),
            "time": JSONText.time(event.time),
            "data": data,
        ])
    }
}
