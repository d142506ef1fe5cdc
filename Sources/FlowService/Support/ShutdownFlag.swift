import Synchronization

/// Set when the server begins a graceful stop: long-lived responses (event streams) end.
final class ShutdownFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    var isSet: Bool { flag.load(ordering: .relaxed) }

    func set() { flag.store(true, ordering: .relaxed) }
}
