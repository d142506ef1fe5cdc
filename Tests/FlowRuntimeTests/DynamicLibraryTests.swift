import FlowKernelDevice
import Testing

/// The run-time loader behind NVRTC, CLBlast and the CUDA driver: the first candidate that opens
/// wins, every failed attempt is reported with the linker's reason, and a missing entry point is
/// an error naming it, never a crash. Exercised on the C library, which every Linux process has.
struct DynamicLibraryTests {
    typealias StringLength = @convention(c) (UnsafePointer<CChar>?) -> Int

    @Test func firstCandidateThatOpensWins() throws {
        let library = try DynamicLibrary.open("libc", candidates: ["/nonexistent-flowkit-test/libc.so.6", "libc.so.6"])
        #expect(library.path == "libc.so.6")
        let strlen = try library.function("strlen", as: StringLength.self)
        #expect("flowkit".withCString { strlen($0) } == 7)
    }

    @Test func everyFailedAttemptIsReported() {
        let candidates = ["/nonexistent-flowkit-test/a.so", "/nonexistent-flowkit-test/b.so"]
        do {
            _ = try DynamicLibrary.open("test library", candidates: candidates)
            Issue.record("opened a library that does not exist")
        } catch let DynamicLibraryError.notFound(library, attempts) {
            #expect(library == "test library")
            #expect(attempts.count == 2)
            for (attempt, candidate) in zip(attempts, candidates) { #expect(attempt.hasPrefix(candidate + ": ")) }
        } catch {
            Issue.record("unexpected error \(error)")
        }
        #expect(throws: DynamicLibraryError.notFound(library: "nothing", attempts: [])) {
            try DynamicLibrary.open("nothing", candidates: [])
        }
    }

    @Test func missingEntryPointIsNamed() throws {
        let library = try DynamicLibrary.open("libc", candidates: ["libc.so.6"])
        #expect(throws: DynamicLibraryError.missingSymbol(name: "flowkitNoSuchFunction", library: "libc.so.6")) {
            _ = try library.function("flowkitNoSuchFunction", as: StringLength.self)
        }
    }
}
