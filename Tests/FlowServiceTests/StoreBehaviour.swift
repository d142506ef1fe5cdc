import Foundation
import Testing

@testable import FlowService

/// What every `JobStore` must do, written once and run on each implementation (StoreContractTests):
/// the claim path (each job claimed once however many claim together, expiry, renewal, fencing)
/// and a transcript of the ordinary operations, which must read the same on every store.
enum StoreBehaviour {
    static func job(_ id: String, device: String = "cpu", priority: Int = 0, createdAt: Double = 0) -> JobRecord {
        JobRecord(id: id, name: nil, device: device, priority: priority, totalSteps: 100, createdAt: createdAt)
    }

    static func insert(_ store: any JobStore, _ jobs: [JobRecord]) async throws {
        for job in jobs {
            guard case .success = try await store.insertJob(job, datasets: [], now: 0) else {
                throw PostgresCluster.Failure(description: "\(job.id) not stored")
            }
        }
    }

    /// N claimers at once over M jobs: every job claimed exactly once, each with attempt 1.
    static func concurrentClaimsTakeEachJobOnce(_ store: any JobStore) async throws {
        let jobs = (0..<24).map { job("job-c\($0)", priority: $0 % 3) }
        try await insert(store, jobs)
        let claims = try await withThrowingTaskGroup(of: [JobLease].self) { group in
            for claimer in 0..<6 {
                group.addTask {
                    var mine: [JobLease] = []
                    while let (_, lease) = try await store.claim(owner: "host-\(claimer)", devices: ["cpu"], leaseSeconds: 30, now: 1000) {
                        mine.append(lease)
                    }
                    return mine
                }
            }
            var all: [JobLease] = []
            for try await leases in group { all += leases }
            return all
        }
        #expect(claims.count == jobs.count, "claimed \(claims.count) times for \(jobs.count) jobs")
        #expect(Set(claims.map(\.jobId)) == Set(jobs.map(\.id)))
        #expect(claims.allSatisfy { $0.attempt == 1 })
        for lease in claims {
            let stored = try await store.job(lease.jobId)
            #expect(stored?.status == .running && stored?.leaseOwner == lease.owner && stored?.attempt == 1)
        }
    }

    /// One claimer takes jobs by priority, then age, and only on its devices.
    static func claimsFollowPriorityAgeAndDevice(_ store: any JobStore) async throws {
        try await insert(store, [job("job-old"), job("job-urgent", priority: 5), job("job-new"), job("job-gpu", device: "cuda", priority: 9)])
        var order: [String] = []
        while let (claimed, _) = try await store.claim(owner: "a", devices: ["cpu"], leaseSeconds: 30, now: 1) { order.append(claimed.id) }
        #expect(order == ["job-urgent", "job-old", "job-new"])
        let gpu = try await store.claim(owner: "b", devices: ["cpu", "cuda"], leaseSeconds: 30, now: 1)
        #expect(gpu?.0.id == "job-gpu")
        #expect(try await store.claim(owner: "a", devices: [], leaseSeconds: 30, now: 1) == nil)
    }

    /// A lease that runs out makes the job claimable again, with the next attempt; a renewed one
    /// does not; a job running without a lease (the single-host scheduler's) is never claimed.
    static func expiredLeasesAreClaimedAgain(_ store: any JobStore) async throws {
        try await insert(store, [job("job-e"), job("job-unleased")])
        _ = try await store.transition("job-unleased", from: [.queued], to: .running, message: nil, now: 0)
        guard let (_, first) = try await store.claim(owner: "host-a", devices: ["cpu"], leaseSeconds: 10, now: 1000) else {
            Issue.record("nothing claimed")
            return
        }
        #expect(first.jobId == "job-e" && first.attempt == 1 && first.expiresAt == 1010)
        #expect(try await store.claim(owner: "host-b", devices: ["cpu"], leaseSeconds: 10, now: 1009) == nil, "claimed under a live lease")
        let renewed = try await store.renew(first, leaseSeconds: 10, now: 1008).value
        #expect(renewed?.expiresAt == 1018)
        #expect(try await store.claim(owner: "host-b", devices: ["cpu"], leaseSeconds: 10, now: 1015) == nil, "claimed under a renewed lease")
        guard let (job, second) = try await store.claim(owner: "host-b", devices: ["cpu"], leaseSeconds: 10, now: 1019) else {
            Issue.record("the expired lease was not claimed again")
            return
        }
        #expect(second.jobId == "job-e" && second.attempt == 2 && second.owner == "host-b")
        #expect(job.leaseOwner == "host-b" && job.leaseExpiresAt == 1029 && job.startedAt == 1000)
        let events = try await store.events(jobId: "job-e", after: 0, limit: 10)
        #expect(events.last?.data.contains("after the lease of host-a expired") == true, "\(events.map(\.data))")
        #expect(try await store.claim(owner: "host-c", devices: ["cpu"], leaseSeconds: 10, now: 5000)?.0.id == "job-e")
        #expect(try await store.job("job-unleased")?.attempt == 0)
    }

    /// After another host claimed the job, every write of the old attempt is refused and changes
    /// nothing; the new attempt's writes count.
    static func staleAttemptsAreFenced(_ store: any JobStore) async throws {
        try await insert(store, [job("job-f")])
        guard let (_, old) = try await store.claim(owner: "host-a", devices: ["cpu"], leaseSeconds: 10, now: 100),
            let (_, new) = try await store.claim(owner: "host-b", devices: ["cpu"], leaseSeconds: 10, now: 200)
        else {
            Issue.record("claims failed")
            return
        }
        func isStale<Value>(_ outcome: FencedOutcome<Value>) -> Bool {
            if case let .staleAttempt(current, owner) = outcome { return current == 2 && owner == "host-b" }
            return false
        }
        let eventsBefore = try await store.events(jobId: "job-f", after: 0, limit: 100).count
        let line = try #require(MetricLine(#"{"event":"checkpoint","step":40}"#))
        #expect(isStale(try await store.recordMetrics(old, lines: [line], now: 201)))
        #expect(isStale(try await store.commitCheckpoint(old, step: 40, now: 201)))
        #expect(isStale(try await store.renew(old, leaseSeconds: 10, now: 201)))
        #expect(isStale(try await store.transition(old, from: [.running], to: .succeeded, message: "done", now: 201)))
        let untouched = try await store.job("job-f")
        #expect(untouched?.status == .running && untouched?.checkpointStep == nil && untouched?.step == 0 && untouched?.leaseOwner == "host-b")
        #expect(try await store.events(jobId: "job-f", after: 0, limit: 100).count == eventsBefore, "a refused write left an event")

        #expect(try await store.recordMetrics(new, lines: [line], now: 202).value == 1)
        #expect(try await store.commitCheckpoint(new, step: 40, now: 202).value?.checkpointStep == 40)
        let finished = try await store.transition(new, from: [.running], to: .succeeded, message: "done", now: 203) { $0.finishedAt = 203 }
        #expect(finished.value?.status == .succeeded && finished.value?.leaseOwner == nil && finished.value?.leaseExpiresAt == nil)
        // The lease ended with the run: renewing it is a conflict, not a success.
        if case .conflict = try await store.renew(new, leaseSeconds: 10, now: 204) {} else { Issue.record("renewed a finished job's lease") }
        #expect(try await store.claim(owner: "host-c", devices: ["cpu"], leaseSeconds: 10, now: 9999) == nil, "claimed a finished job")
    }

    /// The ordinary operations, each answer written down; stores must give the same transcript.
    static func transcript(_ store: any JobStore) async throws -> [String] {
        var lines: [String] = []
        func show(_ job: JobRecord?) -> String {
            guard let job else { return "nil" }
            return "\(job.id) \(job.status) step=\(job.step) cp=\(job.checkpointStep.map(String.init) ?? "-") loss=\(job.loss.map { "\($0)" } ?? "-") "
                + "nll=\(job.validationNLL.map { "\($0)" } ?? "-") pid=\(job.pid.map(String.init) ?? "-") start=\(job.pidStartTime.map(String.init) ?? "-") "
                + "stop=\(job.stopRequest?.rawValue ?? "-") attempts=\(job.attempts) fail=\(job.failure ?? "-") name=\(job.name ?? "-")"
        }
        let data = DatasetRecord(id: String(repeating: "d", count: 64), name: "points.csv", format: .csv, bytes: 1234, shape: [100, 2], createdAt: 5)
        let (stored, created) = try await store.insertDataset(data)
        let (_, again) = try await store.insertDataset(data)
        lines.append("dataset \(stored == data) \(created) \(again) \(try await store.dataset(data.id) == data) \(try await store.datasets().map(\.id))")
        let missing = try await store.insertJob(job("job-missing"), datasets: ["nope"], now: 1)
        if case let .failure(error) = missing { lines.append("missing \(error.ids)") }
        for index in 0..<5 {
            var record = job("job-t\(index)", priority: index % 2, createdAt: Double(index))
            record.name = index == 0 ? "first" : nil
            let inserted = try await store.insertJob(record, datasets: index < 2 ? [data.id] : [], now: Double(index))
            if case let .success(job) = inserted { lines.append("inserted \(job.id) seq>0 \((job.seq ?? 0) > 0)") }
        }
        lines.append("page1 \(try await store.jobs(status: nil, before: nil, limit: 2).map(\.id))")
        let second = try await store.jobs(status: nil, before: try await store.job("job-t3")?.seq, limit: 2).map(\.id)
        lines.append("page2 \(second)")
        lines.append("queued-order \(try await store.jobs(in: .queued).map(\.id))")
        let toRun = try await store.transition("job-t1", from: [.queued], to: .running, message: "started", now: 10) { record in
            record.pid = 4242
            record.pidStartTime = 987_654_321
            record.attempts += 1
            record.startedAt = 10
        }
        if case let .done(job) = toRun { lines.append("running \(show(job))") }
        if case let .conflict(job) = try await store.transition("job-t1", from: [.paused], to: .queued, message: nil, now: 11) {
            lines.append("conflict \(show(job))")
        }
        if case .notFound = try await store.transition("job-none", from: [.queued], to: .paused, message: nil, now: 11) { lines.append("not found") }
        lines.append("update \(show(try await store.update("job-t1") { $0.stopRequest = .pause }))")
        lines.append("status \(try await store.statusCounts().sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key)=\($0.value)" })")
        lines.append("filtered \(try await store.jobs(status: .running, before: nil, limit: 10).map(\.id))")
        let metrics = [
            #"{"event":"train","step":10,"loss":1.5}"#, #"{"event":"eval","step":10,"validationNLL":2.25,"bitsPerDim":0.5}"#,
            #"{"event":"checkpoint","step":10}"#,
        ].compactMap { MetricLine(Substring($0)) }
        lines.append("metrics \(try await store.recordMetrics(jobId: "job-t1", lines: metrics, now: 12))")
        lines.append("metrics-again \(try await store.recordMetrics(jobId: "job-t1", lines: metrics, now: 13))")
        lines.append("after-metrics \(show(try await store.job("job-t1")))")
        let events = try await store.events(jobId: "job-t1", after: 0, limit: 100)
        lines.append("events \(events.map { "\($0.type):\($0.metricKey ?? "-"):\($0.data):\($0.time)" })")
        let later = try await store.events(jobId: "job-t1", after: events[1].seq ?? 0, limit: 2)
        lines.append("events-after \(later.map { $0.metricKey ?? $0.data })")
        lines.append("dataset-ids \(try await store.datasetIds(ofJob: "job-t0")) \(try await store.datasetIds(ofJob: "job-t4"))")
        if case let .inUse(users) = try await store.deleteDataset(data.id, holdsModel: { _ in false }) { lines.append("in use \(users)") }
        for id in ["job-t0", "job-t1"] {
            _ = try await store.transition(id, from: [.queued, .running], to: .cancelled, message: "cancelled", now: 20) { $0.failure = "why" }
        }
        if case let .inUse(users) = try await store.deleteDataset(data.id, holdsModel: { $0 == "job-t1" }) { lines.append("held \(users)") }
        if case let .deleted(record) = try await store.deleteDataset(data.id, holdsModel: { _ in false }) { lines.append("deleted \(record.id == data.id)") }
        if case .notFound = try await store.deleteDataset(data.id, holdsModel: { _ in false }) { lines.append("gone") }
        lines.append("final \(show(try await store.job("job-t1"))) \(try await store.datasetIds(ofJob: "job-t1"))")
        lines.append("ping \(await store.ping())")
        return lines
    }
}
