import FlowTraining

/// The `data` of a state event, the same in every store: the new status, the step, the newest
/// checkpoint, the previous status and why.
enum JobStateEvent {
    static func data(job: JobRecord, from previous: JobStatus?, message: String?) throws -> String {
        var object: [String: JSONValue] = ["status": .string(job.status.rawValue), "step": .number(Double(job.step))]
        if let checkpoint = job.checkpointStep { object["checkpointStep"] = .number(Double(checkpoint)) }
        if let previous { object["from"] = .string(previous.rawValue) }
        if let message { object["message"] = .string(message) }
        return try JSONText.encode(object)
    }
}
