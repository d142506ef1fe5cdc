import Foundation

/// Runs slow synchronous work (parsing an uploaded file) on a thread of its own, off the
/// cooperative pool that serves requests.
enum Blocking {
    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try work() })
            }
            thread.name = "flowkit-blocking"
            thread.start()
        }
    }
}
