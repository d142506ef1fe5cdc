import FlowRuntime
import Foundation
import Testing

@testable import FlowCUDA

/// The CUDA provider where there is no CUDA driver (this machine, CI): it lists no device,
/// `flowkit devices` keeps working, and `cuda`, `cuda:N` fail with an error that says why.
@Suite struct CUDAProviderTests {
    static let missingLibrary = "/nonexistent-flowkit-test/libcuda.so.1"

    @Test func aMissingDriverListsNoDeviceAndSaysWhereItLooked() throws {
        let provider = CUDAProvider(libraryCandidates: [Self.missingLibrary])
        #expect(provider.kind == .cuda)
        #expect(provider.devices.isEmpty)
        #expect(provider.missingHint.hasPrefix("no CUDA device"), "\(provider.missingHint)")
        #expect(provider.missingHint.contains("\(Self.missingLibrary): "), "the attempt is not named: \(provider.missingHint)")
        #expect(throws: FlowError.self) { _ = try provider.device(at: 0) }
    }

    @Test(arguments: ["cuda", "cuda:0", "cuda:3", "CUDA:1"])
    func selectorsFailWithTheReason(_ selector: String) throws {
        let catalog = DeviceCatalog(providers: [CUDAProvider(libraryCandidates: [Self.missingLibrary])])
        #expect(catalog.available().isEmpty)
        let error = #expect(throws: FlowError.self) { _ = try catalog.device(named: selector) }
        guard case let .unavailableDevice(name, detail)? = error else {
            Issue.record("expected FlowError.unavailableDevice, got \(String(describing: error))")
            return
        }
        #expect(name == selector)
        #expect(detail.contains("no CUDA device") && detail.contains(Self.missingLibrary), "\(detail)")
        // A known kind without a device is not an unknown name.
        let text = error?.description ?? ""
        #expect(text.hasPrefix("'\(selector)' is a known device, but none is available here: no CUDA device"), "\(text)")
        #expect(!text.contains("unknown device"), "\(text)")
    }

    /// The process's registry has the CUDA provider; without a driver (here) it lists nothing and
    /// `cuda` fails clearly, with one (a GPU host) its devices are numbered GPUs.
    @Test func theRegistryHasTheCUDAProvider() throws {
        let cuda = DeviceRegistry.available().filter { $0.kind == .cuda }
        #expect(cuda.map(\.selector) == cuda.indices.map { "cuda:\($0)" })
        for info in cuda {
            #expect(info.hardware == .gpu && info.vendor == "NVIDIA" && info.memoryBytes > 0 && info.computeUnits > 0, "\(info)")
        }
        if cuda.isEmpty {
            #expect(DeviceRegistry.cudaMissingHint.hasPrefix("no CUDA device"), "\(DeviceRegistry.cudaMissingHint)")
            let error = #expect(throws: FlowError.self) { _ = try DeviceRegistry.device(named: "cuda") }
            #expect(error?.description.contains("no CUDA device") == true, "\(String(describing: error))")
        }
    }

    @Test func driverErrorsNameTheCallAndTheError() {
        let error = FlowError.cuda(call: "cuMemAlloc_v2", code: 2, name: "CUDA_ERROR_OUT_OF_MEMORY", message: "out of memory")
        #expect(error.description == "CUDA call cuMemAlloc_v2 failed with CUDA_ERROR_OUT_OF_MEMORY (2): out of memory")
    }
}
