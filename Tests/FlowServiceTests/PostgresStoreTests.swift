import Foundation
import PostgresNIO
import Testing

@testable import FlowService

/// The PostgreSQL store against a real throwaway cluster (PostgresCluster): migrations under the
/// advisory lock, the schema both dialects share, the errors a host reports at start-up, the
/// unix socket form and readiness.
@Suite(.serialized, .enabled(if: PostgresCluster.enabled)) struct PostgresStoreTests {
    static func rows(_ store: PostgresJobStore, _ query: PostgresQuery) async throws -> [PostgresRow] {
        try await store.client.query(query).collect()
    }

    static func openError(_ location: PostgresLocation, exclusive: Bool = false) async -> String? {
        do {
            let store = try await PostgresJobStore.open(location, exclusive: exclusive, logger: .init(label: "test"))
            store.close()
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Four hosts starting together on a new database: one migrates, the others wait for its lock
    /// and find nothing to do; so does a later start.
    @Test func hostsStartingTogetherMigrateOnce() async throws {
        let cluster = try PostgresCluster.shared.get()
        let database = try cluster.createDatabase()
        let location = try cluster.location(database)
        let opened = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let store = try await PostgresJobStore.open(location, logger: .init(label: "test"))
                    defer { store.close() }
                    return store.migrated
                }
            }
            var all: [[String]] = []
            for try await migrated in group { all.append(migrated) }
            return all
        }
        #expect(opened.filter { !$0.isEmpty } == [["v1", "v2", "v3"]], "\(opened)")
        let again = try await cluster.store(database)
        defer { again.close() }
        #expect(again.migrated.isEmpty)
        var recorded: [String] = []
        for try await identifier in try await again.client.query("SELECT identifier FROM flowkit_migrations ORDER BY identifier").decode(String.self) {
            recorded.append(identifier)
        }
        #expect(recorded == ["v1", "v2", "v3"])
    }

    /// Every column the records (and so the SQLite schema, which GRDB reads into them) have, and
    /// only those, with the same indexes; PostgreSQL folds the names to lower case.
    @Test func theSchemaIsTheSQLiteOne() async throws {
        let store = try await PostgresCluster.shared.get().store()
        defer { store.close() }
        func columns(_ table: String) async throws -> [String] {
            var names: [String] = []
            let query: PostgresQuery = "SELECT column_name FROM information_schema.columns WHERE table_name = \(table) ORDER BY column_name"
            for try await name in try await store.client.query(query).decode(String.self) { names.append(name) }
            return names
        }
        func labels(_ value: Any) -> [String] { Mirror(reflecting: value).children.compactMap { $0.label?.lowercased() }.sorted() }
        #expect(try await columns("job") == labels(StoreBehaviour.job("x")))
        let dataset = DatasetRecord(id: "x", name: "x", format: .csv, bytes: 1, shape: [1], createdAt: 0)
        #expect(try await columns("dataset") == labels(dataset))
        #expect(try await columns("event") == labels(EventRecord(jobId: "x", type: .state, metricKey: nil, data: "{}", time: 0)))
        #expect(try await columns("jobdataset") == ["datasetid", "jobid"])
        var indexes: [String] = []
        for try await name in try await store.client.query("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'").decode(String.self) {
            indexes.append(name)
        }
        for index in ["job_status", "jobdataset_dataset", "event_job"] { #expect(indexes.contains(index), "\(indexes)") }
    }

    /// A database a newer flowkit migrated is refused, naming the unknown migrations.
    @Test func aNewerSchemaIsRefused() async throws {
        let cluster = try PostgresCluster.shared.get()
        let database = try cluster.createDatabase()
        let store = try await cluster.store(database)
        try await store.client.query("INSERT INTO flowkit_migrations (identifier, appliedAt) VALUES ('v99', 0)")
        store.close()
        let error = await Self.openError(try cluster.location(database))
        #expect(error?.contains("newer flowkit") == true && error?.contains("v99") == true, "\(error ?? "opened")")
    }

    /// What a host says when it cannot open the store: each problem by name.
    @Test func startUpErrorsNameTheProblem() async throws {
        let cluster = try PostgresCluster.shared.get()
        let database = try cluster.createDatabase()
        let wrong = await Self.openError(try cluster.location(database, password: "not-the-password"))
        #expect(wrong?.contains("refused the password") == true, "\(wrong ?? "opened")")
        #expect(wrong?.contains("not-the-password") == false)
        let none = await Self.openError(try PostgresLocation(url: cluster.url(database), password: nil))
        #expect(none?.contains("asks for a password") == true, "\(none ?? "opened")")
        let nowhere = await Self.openError(try cluster.location("no_such_database"))
        #expect(nowhere?.contains("no such database") == true, "\(nowhere ?? "opened")")
        // Port 1 on loopback: nothing listens there.
        let down = await Self.openError(try PostgresLocation(url: "postgresql://flowkit@127.0.0.1:1/x?sslmode=disable", password: "x"))
        #expect(down?.contains("unreachable") == true && down?.contains("127.0.0.1:1") == true, "\(down ?? "opened")")
    }

    /// `flowkit serve` opens the store exclusively (the scheduler is single-host): a second host
    /// is refused by name while the first holds it, and gets it once the first lets go.
    @Test func anExclusiveStoreRefusesASecondHost() async throws {
        let cluster = try PostgresCluster.shared.get()
        let location = try cluster.location(try cluster.createDatabase())
        let first = try await PostgresJobStore.open(location, exclusive: true, logger: .init(label: "test"))
        let refused = await Self.openError(location, exclusive: true)
        #expect(refused?.contains("another flowkit serve is using the store") == true, "\(refused ?? "opened")")
        first.close()
        var reopened: PostgresJobStore?
        for _ in 0..<50 where reopened == nil {
            reopened = try? await PostgresJobStore.open(location, exclusive: true, logger: .init(label: "test"))
            if reopened == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(reopened != nil, "the lock outlived the store that held it")
        reopened?.close()
    }

    @Test func theUnixSocketFormConnects() async throws {
        let cluster = try PostgresCluster.shared.get()
        let location = try PostgresLocation(url: cluster.socketURL(try cluster.createDatabase()), password: cluster.password)
        #expect(location.endpoint == .socket(path: "\(cluster.socketDirectory)/.s.PGSQL.\(cluster.port)"))
        let store = try await PostgresJobStore.open(location, logger: .init(label: "test"))
        defer { store.close() }
        #expect(await store.ping())
        #expect(store.migrated == ["v1", "v2", "v3"])
    }

    /// Readiness follows the server: a store whose server stopped answers false, and soon.
    @Test func pingFailsWhenTheServerStops() async throws {
        let cluster = try PostgresCluster.start()
        defer { cluster.stop() }
        let store = try await cluster.store()
        defer { store.close() }
        #expect(await store.ping())
        cluster.stop()
        let started = ContinuousClock.now
        #expect(await store.ping() == false)
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}

/// Under CI the PostgreSQL tests must run: binaries missing there is a failure, not a skip.
@Suite struct PostgresInstallTests {
    @Test(.enabled(if: PostgresCluster.isCI)) func postgresIsInstalledUnderCI() {
        #expect(PostgresCluster.isInstalled, "no PostgreSQL in \(PostgresCluster.binaries): .ci/install-packages installs postgresql-15")
    }
}
