import FlowKernelDevice
import FlowKernels
import FlowRuntime
import Foundation
import Testing

@testable import FlowOpenCL

/// The on-disk cache of compiled OpenCL programs: a second start loads binaries instead of
/// compiling, and a stale or damaged entry is ignored rather than trusted.
struct ProgramCacheTests {
    private func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("flowkit-cache-test-\(UUID().uuidString)")
    }

    @Test func storedBinaryLoadsOnlyUnderItsOwnKey() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cache = ProgramBinaryCache(directory: directory)
        let key = ProgramBinaryCache.key(format: OpenCLRuntime.binaryFormat, device: "dev", driver: "1.0", options: "-DWGS=64", source: "kernel void k() {}")
        cache.store(program: "gemm", key: key, binary: [1, 2, 3, 4])
        #expect(cache.load(program: "gemm", key: key) == [1, 2, 3, 4])
        let otherDriver = ProgramBinaryCache.key(
            format: OpenCLRuntime.binaryFormat, device: "dev", driver: "1.1", options: "-DWGS=64", source: "kernel void k() {}")
        #expect(cache.load(program: "gemm", key: otherDriver) == nil)
        let otherSource = ProgramBinaryCache.key(
            format: OpenCLRuntime.binaryFormat, device: "dev", driver: "1.0", options: "-DWGS=64", source: "kernel void j() {}")
        #expect(cache.load(program: "gemm", key: otherSource) == nil)
        // Another runtime's binary (a CUBIN) for the same device name and source is never an OpenCL binary.
        let otherFormat = ProgramBinaryCache.key(format: "flowkit-cuda-1", device: "dev", driver: "1.0", options: "-DWGS=64", source: "kernel void k() {}")
        #expect(cache.load(program: "gemm", key: otherFormat) == nil)
    }

    @Test func truncatedEntryIsIgnored() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cache = ProgramBinaryCache(directory: directory)
        let key = ProgramBinaryCache.key(format: OpenCLRuntime.binaryFormat, device: "dev", driver: "1.0", options: "", source: "x")
        cache.store(program: "reduce", key: key, binary: [9, 9])
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
        #expect(files.count == 1)
        // Cut the file inside its key header: the entry no longer proves what it was built from.
        try Data("flowkit".utf8).write(to: files[0])
        #expect(cache.load(program: "reduce", key: key) == nil)
    }

    @Test func secondDeviceInstanceLoadsEveryProgramFromTheCache() throws {
        // TestDevices' availability test fails CI when OpenCL is missing; elsewhere this is a skip.
        guard let found = CLPlatform.devices().first else { try Test.cancel("no OpenCL device on this machine") }
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try OpenCLDevice(found, binaryCache: ProgramBinaryCache(directory: directory))
        try first.buildAllKernels()
        #expect(first.buildCounts.compiled == KernelSources.programNames.count)
        let second = try OpenCLDevice(found, binaryCache: ProgramBinaryCache(directory: directory))
        try second.buildAllKernels()
        #expect(second.buildCounts.compiled == 0)
        #expect(second.buildCounts.loadedFromCache == KernelSources.programNames.count)
        // And the cached programs compute: a fill through a cache-loaded kernel.
        let tensor = try Tensor.full([5], value: 2.5, on: second)
        #expect(try tensor.toArray() == [2.5, 2.5, 2.5, 2.5, 2.5])
    }
}
