import FlowRuntime
import Foundation
import Synchronization
import Testing

/// A backend with `count` devices, each the CPU device under another listing, that counts how
/// often a device is opened.
private final class FakeProvider: DeviceProvider {
    let kind: DeviceKind
    let devices: [DeviceInfo]
    let opens = Atomic<Int>(0)

    init(kind: String, count: Int) {
        self.kind = DeviceKind(rawValue: kind)
        devices = (0..<count).map {
            DeviceInfo(
                kind: DeviceKind(rawValue: kind), index: $0, name: "fake \($0)", vendor: "tests", driver: "none", memoryBytes: 1, computeUnits: 1,
                hardware: .other)
        }
    }

    var missingHint: String { "install the fake driver" }

    func device(at index: Int) throws -> any Device {
        opens.add(1, ordering: .relaxed)
        return try DeviceRegistry.device(named: "cpu")
    }
}

/// The selector rules and provider registration of `DeviceCatalog`, on catalogs of fake backends
/// (the process-wide registry is left as it is), and the shared registry under concurrent use.
@Suite struct DeviceCatalogTests {
    private func message(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func selectorsNameAKindAndAnIndex() throws {
        let fake = FakeProvider(kind: "fake", count: 2)
        let catalog = DeviceCatalog(providers: [fake])
        #expect(try catalog.info(named: "fake").index == 0)
        #expect(try catalog.info(named: "fake:1").index == 1)
        #expect(try catalog.info(named: " FAKE:1 ").index == 1, "trimmed and case-insensitive")
        #expect(try catalog.info(named: "fake:01").index == 1)
        #expect(catalog.available().map(\.selector) == ["fake:0", "fake:1"])
        #expect(message { _ = try catalog.info(named: "fake:2") }.contains("there are 2 fake device(s), numbered 0...1"))
        for bad in ["fake:", "fake:-1", "fake:+1", "fake:x", "fake:1:2", "fake:99999999999999999999999"] {
            #expect(message { _ = try catalog.info(named: bad) }.contains("is not a device number"), "\(bad)")
        }
        for unknown in ["gpu", "", ":1", "fak"] {
            let text = message { _ = try catalog.info(named: unknown) }
            #expect(text.contains("unknown device '\(unknown)'") && text.contains("expected a device kind (fake)"), "\(unknown): \(text)")
        }
    }

    @Test func aKindWithoutDevicesSaysWhy() {
        let catalog = DeviceCatalog(providers: [FakeProvider(kind: "fake", count: 0)])
        #expect(catalog.available().isEmpty)
        #expect(message { _ = try catalog.device(named: "fake") }.contains("install the fake driver"))
        #expect(catalog.missingHint(for: DeviceKind(rawValue: "other")).contains("no backend of kind 'other'"))
    }

    @Test func lookingUpDoesNotOpenAndOpeningGoesToTheProvider() throws {
        let fake = FakeProvider(kind: "fake", count: 1)
        let catalog = DeviceCatalog(providers: [fake])
        _ = try catalog.info(named: "fake")
        #expect(fake.opens.load(ordering: .relaxed) == 0)
        _ = try catalog.device(named: "fake:0")
        #expect(fake.opens.load(ordering: .relaxed) == 1)
    }

    @Test func registeringAddsAKindOnceInOrder() throws {
        let catalog = DeviceCatalog(providers: [FakeProvider(kind: "fake", count: 1)])
        try catalog.register(FakeProvider(kind: "other", count: 3))
        #expect(catalog.kinds.map(\.rawValue) == ["fake", "other"])
        #expect(try catalog.info(named: "other:2").name == "fake 2")
        #expect(catalog.available().map(\.selector) == ["fake:0", "other:0", "other:1", "other:2"])
        #expect(throws: FlowError.self) { try catalog.register(FakeProvider(kind: "other", count: 1)) }
        #expect(catalog.devices(of: DeviceKind(rawValue: "other")).count == 3, "the first provider of a kind stays")
    }

    @Test func theRegistryListsTheCPUThenOpenCLThenCUDAAndAcceptsCPUZero() throws {
        #expect(DeviceRegistry.catalog.kinds == [.cpu, .opencl, .cuda])
        #expect(try DeviceRegistry.device(named: "cpu:0").info.selector == "cpu")
        #expect(message { _ = try DeviceRegistry.device(named: "cpu:1") }.contains("there are 1 cpu device(s)"))
    }

    /// Many tasks asking for the same device at once get one instance: each device is opened once.
    @Test func concurrentLookupsShareOneDevice() async throws {
        let selectors = DeviceRegistry.available().map(\.selector)
        for selector in selectors {
            let identities = try await withThrowingTaskGroup(of: ObjectIdentifier.self) { group in
                for _ in 0..<16 {
                    group.addTask { ObjectIdentifier(try DeviceRegistry.device(named: selector) as AnyObject) }
                }
                return try await group.reduce(into: Set<ObjectIdentifier>()) { $0.insert($1) }
            }
            #expect(identities.count == 1, "\(selector) opened \(identities.count) times")
        }
    }
}
