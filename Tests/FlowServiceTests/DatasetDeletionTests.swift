import Foundation
import Testing

@testable import FlowService

/// `DELETE /v1/datasets/{id}` keeps a data set while any job needs it: one that may run again,
/// or one whose run holds a model (the model is rebuilt from its training data). Only jobs that
/// never wrote a checkpoint and cannot run again let it go, and a job keeps naming its data sets.
@Suite struct DatasetDeletionTests {
    @Test func aDatasetATrainedJobUsesIsKeptWithA409NamingTheJob() throws {
        let work = try ServerProcess.temporaryDirectory("dataset-delete")
        let server = try ServerProcess(stateDirectory: "\(work)/state")
        let client = server.client()
        let bytes = TestData.csv(rows: 200)
        let dataset = try #require(try client.request("POST", "/v1/datasets?format=csv&name=points.csv", body: bytes).json["id"] as? String)

        // A succeeded job.
        let trained = try #require(try client.post("/v1/jobs", json: ["config": TestData.csvConfig(dataset: dataset, steps: 30)]).json["id"] as? String)
        #expect(try eventually(timeout: 90) { try client.get("/v1/jobs/\(trained)").json["status"] as? String == "succeeded" }, "\(server.stderr)")
        let run = try #require(try client.get("/v1/jobs/\(trained)").json["runDirectory"] as? String)
        let refused = try client.request("DELETE", "/v1/datasets/\(dataset)")
        #expect(refused.status == 409, "\(refused.text)")
        #expect(refused.error?.message.contains(trained) == true && refused.error?.message.contains("1 job") == true, "\(refused.text)")
        #expect(try client.get("/v1/datasets/\(dataset)").status == 200)
        #expect(try client.get("/v1/jobs/\(trained)").json["datasets"] as? [String] == [dataset])
        // The run directory stays usable outside the service.
        let points = "\(work)/query.csv"
        try Data("x,y\n0.1,0.2\n-1,0.5\n".utf8).write(to: URL(fileURLWithPath: points))
        let logprob = try RestartSafetyTests.run(["logprob", "--run-dir", run, "--data", points, "--out", "\(work)/logprob.csv"])
        #expect(logprob.status == 0, "\(logprob.stderr)")
        #expect(try client.post("/v1/jobs/\(trained)/logprob", json: ["x": [[0.1, 0.2]]]).status == 200)
        server.stop()
    }

    /// In process: the scheduler of a built application never starts, so the job stays queued
    /// (even when asked to schedule, as a submission does) and no trainer needs a slot.
    @Test func aJobCancelledBeforeItRanLetsItsDatasetGoAndKeepsNamingIt() async throws {
        try await InProcessServer.test(try InProcessServer.options("dataset-cancelled")) { client, server in
            let bytes = TestData.csv(rows: 100)
            let dataset = try #require(try await client.request("POST", "/v1/datasets?format=csv&name=p.csv", body: bytes).json["id"] as? String)
            let waiting = try #require(try await client.post("/v1/jobs", json: ["config": TestData.csvConfig(dataset: dataset)]).json["id"] as? String)
            // Long enough for a started scheduler to have run (and, with /bin/false, failed) it.
            await server.core.scheduler.schedule()
            try await Task.sleep(for: .milliseconds(500))
            let queued = try await client.get("/v1/jobs/\(waiting)").json
            #expect(queued["status"] as? String == "queued" && queued["attempts"] as? Int == 0, "\(queued)")
            let busy = try await client.request("DELETE", "/v1/datasets/\(dataset)")
            #expect(busy.status == 409 && busy.error?.message.contains(waiting) == true, "\(busy.text)")

            #expect(try await client.request("POST", "/v1/jobs/\(waiting)/cancel").json["status"] as? String == "cancelled")
            let deleted = try await client.request("DELETE", "/v1/datasets/\(dataset)")
            #expect(deleted.status == 200, "\(deleted.text)")
            #expect(try await client.get("/v1/datasets/\(dataset)").status == 404)
            // The job still names what its config read; the same bytes again are the same data set.
            #expect(try await client.get("/v1/jobs/\(waiting)").json["datasets"] as? [String] == [dataset])
            let again = try await client.request("POST", "/v1/datasets?format=csv&name=p.csv", body: bytes)
            #expect(again.status == 201 && again.json["id"] as? String == dataset, "\(again.text)")
            #expect(try await client.get("/v1/jobs/\(waiting)").json["datasets"] as? [String] == [dataset])
        }
    }

    /// The rule in the store, state by state (`holdsModel` stands in for the run directory).
    @Test func theStoreKeepsADatasetForJobsThatMayRunOrHoldAModel() async throws {
        let folder = try ServerProcess.temporaryDirectory("dataset-store")
        let store = try SQLiteJobStore(path: "\(folder)/flowkit.sqlite")
        let cases: [(JobStatus, holdsModel: Bool, kept: Bool)] = [
            (.queued, false, true), (.running, false, true), (.paused, false, true), (.failed, false, true),
            (.succeeded, true, true), (.cancelled, true, true), (.cancelled, false, false),
        ]
        for (index, (status, holdsModel, kept)) in cases.enumerated() {
            let id = String(repeating: "a", count: 63) + String(index)
            let record = DatasetRecord(id: id, name: "d.csv", format: .csv, bytes: 10, shape: [5, 2], createdAt: 0)
            _ = try await store.insertDataset(record)
            let job = JobRecord(id: "job-\(status.rawValue)-\(holdsModel)", name: nil, device: "cpu", priority: 0, totalSteps: 10, createdAt: 0)
            guard case .success = try await store.insertJob(job, datasets: [id], now: 0) else {
                Issue.record("job not stored")
                continue
            }
            if status != .queued {
                _ = try await store.transition(job.id, from: [.queued], to: status, message: nil, now: 0)
            }
            let outcome = try await store.deleteDataset(id) { $0 == job.id && holdsModel }
            switch outcome {
            case let .inUse(jobs): #expect(kept && jobs == [job.id], "\(status), model \(holdsModel): kept for \(jobs)")
            case .deleted: #expect(!kept, "\(status), model \(holdsModel): deleted")
            case .notFound: Issue.record("\(status): not found")
            }
            #expect(try await store.datasetIds(ofJob: job.id) == [id], "the job no longer names its data set")
        }
    }
}
