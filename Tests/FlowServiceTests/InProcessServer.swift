import Foundation
import Hummingbird
import HummingbirdTesting

@testable import FlowService

/// A server built in the test's own process by `FlowServer.buildApplication`, exactly as
/// `flowkit serve` builds it, driven through HummingbirdTesting: `.router` hands requests to the
/// router without a socket, `.live` serves them on a loopback port (for what lies below the
/// router: the HTTP parser). Its scheduler is never started, so submitted jobs stay queued and
/// no trainer runs; tests that need a trainer, a signal or a restart use `ServerProcess`.
enum InProcessServer {
    /// Options for a server on a fresh state directory.
    static func options(_ name: String) throws -> ServerOptions {
        var options = ServerOptions()
        options.stateDirectory = try ServerProcess.temporaryDirectory(name)
        options.port = 0
        // Should a child be started after all, never this test binary as the trainer: the job
        // fails at once, which the tests that expect it queued would see.
        options.executable = "/bin/false"
        return options
    }

    static func test<Value: Sendable>(
        _ options: ServerOptions, _ setup: TestingSetup = .router,
        _ body: @Sendable (RouterClient, ServerApplication) async throws -> Value
    ) async throws -> Value {
        let server = try await FlowServer.buildApplication(options)
        return try await server.application.test(setup) { client in
            try await body(RouterClient(client: client), server)
        }
    }
}
