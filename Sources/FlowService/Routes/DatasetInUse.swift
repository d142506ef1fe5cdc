/// The 409 of `DELETE /v1/datasets/{id}` while jobs need the data set: which jobs, and why
/// they need it, so the answer says what would break.
enum DatasetInUse {
    /// Jobs named in the message; a longer list ends with how many more there are.
    static let namedJobs = 20

    static func message(dataset id: String, jobs: [String]) -> String {
        let named = jobs.prefix(namedJobs).joined(separator: ", ")
        let more = jobs.count > namedJobs ? " and \(jobs.count - namedJobs) more" : ""
        let count = jobs.count == 1 ? "1 job" : "\(jobs.count) jobs"
        return "data set \(id) is used by \(count): \(named)\(more). A queued, running, paused or failed job reads it when it runs, "
            + "and a job's model (served here, and read by flowkit eval/logprob/sample --run-dir) is rebuilt from its training data, "
            + "so it is kept while any such job exists; only jobs cancelled before they wrote a checkpoint do not hold it"
    }
}
