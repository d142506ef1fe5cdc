import Foundation
import Testing

@testable import FlowService

/// The store protocol's behaviour (StoreBehaviour) on SQLite, always, and on PostgreSQL where its
/// binaries are (always under CI), each on a new database.
@Suite(.serialized) struct StoreContractTests {
    static func sqlite() throws -> SQLiteJobStore {
        try SQLiteJobStore(path: try ServerProcess.temporaryDirectory("store-contract") + "/flowkit.sqlite")
    }

    static func postgres() async throws -> PostgresJobStore {
        try await PostgresCluster.shared.get().store()
    }

    @Test func sqliteConcurrentClaimsTakeEachJobOnce() async throws { try await StoreBehaviour.concurrentClaimsTakeEachJobOnce(try Self.sqlite()) }
    @Test func sqliteClaimOrder() async throws { try await StoreBehaviour.claimsFollowPriorityAgeAndDevice(try Self.sqlite()) }
    @Test func sqliteExpiredLeases() async throws { try await StoreBehaviour.expiredLeasesAreClaimedAgain(try Self.sqlite()) }
    @Test func sqliteFencing() async throws { try await StoreBehaviour.staleAttemptsAreFenced(try Self.sqlite()) }

    @Test(.enabled(if: PostgresCluster.enabled)) func postgresConcurrentClaimsTakeEachJobOnce() async throws {
        try await StoreBehaviour.concurrentClaimsTakeEachJobOnce(try await Self.postgres())
    }
    @Test(.enabled(if: PostgresCluster.enabled)) func postgresClaimOrder() async throws {
        try await StoreBehaviour.claimsFollowPriorityAgeAndDevice(try await Self.postgres())
    }
    @Test(.enabled(if: PostgresCluster.enabled)) func postgresExpiredLeases() async throws {
        try await StoreBehaviour.expiredLeasesAreClaimedAgain(try await Self.postgres())
    }
    @Test(.enabled(if: PostgresCluster.enabled)) func postgresFencing() async throws {
        try await StoreBehaviour.staleAttemptsAreFenced(try await Self.postgres())
    }

    /// The same operations give the same answers on both stores (and the transcript is not empty
    /// by accident: it holds every step).
    @Test(.enabled(if: PostgresCluster.enabled)) func postgresAnswersAsSQLiteDoes() async throws {
        let expected = try await StoreBehaviour.transcript(try Self.sqlite())
        let answered = try await StoreBehaviour.transcript(try await Self.postgres())
        #expect(expected.count == 28, "\(expected)")
        for (index, line) in expected.enumerated() {
            #expect(
                index < answered.count && answered[index] == line,
                "line \(index): SQLite \(line), PostgreSQL \(index < answered.count ? answered[index] : "none")")
        }
        #expect(answered.count == expected.count)
    }
}
