import Testing

@testable import FlowCUDA

/// Where NVRTC is looked for: both sonames in every place, CUDA 13's wheel folder, and the
/// builtins library beside the one that opened (needed by NVRTC 13). No NVRTC needed.
@Suite struct NVRTCLocationTests {
    @Test func everyPlaceIsTriedWithBothSonamesNewestFirst() {
        let candidates = NVRTCLocation.candidates(
            fallbackDirectories: ["/opt/a", "/opt/b"], environment: ["FLOWKIT_NVRTC_DIR": "/chosen"])
        #expect(
            candidates == [
                "/chosen/libnvrtc.so.13", "/chosen/libnvrtc.so.12",
                "libnvrtc.so.13", "libnvrtc.so.12",
                "/opt/a/libnvrtc.so.13", "/opt/a/libnvrtc.so.12",
                "/opt/b/libnvrtc.so.13", "/opt/b/libnvrtc.so.12",
            ])
    }

    @Test func withoutTheVariableTheLinkerPathComesFirst() {
        let candidates = NVRTCLocation.candidates(fallbackDirectories: ["/opt/a"], environment: ["FLOWKIT_NVRTC_DIR": ""])
        #expect(candidates == ["libnvrtc.so.13", "libnvrtc.so.12", "/opt/a/libnvrtc.so.13", "/opt/a/libnvrtc.so.12"])
    }

    /// A CUBIN from NVRTC 13 may not load on a CUDA 12 driver: there 12 is tried first.
    @Test func anOlderDriverPrefersTheNVRTCItSupports() {
        #expect(NVRTCLocation.sonames(driverMajor: 12) == ["libnvrtc.so.12", "libnvrtc.so.13"])
        #expect(NVRTCLocation.sonames(driverMajor: 13) == ["libnvrtc.so.13", "libnvrtc.so.12"])
        #expect(NVRTCLocation.candidates(inDirectory: "/d", driverMajor: 12) == ["/d/libnvrtc.so.12", "/d/libnvrtc.so.13"])
    }

    @Test func theWheelsFoldersOfEverySitePackages() {
        #expect(
            NVRTCLocation.wheelDirectories(sitePackages: ["/usr/lib/python3.12/site-packages"]) == [
                "/usr/lib/python3.12/site-packages/nvidia/cu13/lib", "/usr/lib/python3.12/site-packages/nvidia/cuda_nvrtc/lib",
            ])
    }

    @Test func theBuiltinsAreLookedForBesideTheLibraryThenByName() {
        #expect(
            NVRTCLocation.builtinsCandidates(libraryFile: "/w/nvidia/cu13/lib/libnvrtc.so.13", version: (13, 0)) == [
                "/w/nvidia/cu13/lib/libnvrtc-builtins.so.13.0", "libnvrtc-builtins.so.13.0",
            ])
        #expect(NVRTCLocation.builtinsCandidates(libraryFile: "libnvrtc.so.12", version: (12, 9)) == ["libnvrtc-builtins.so.12.9"])
        #expect(NVRTCLocation.builtinsCandidates(libraryFile: nil, version: (13, 2)) == ["libnvrtc-builtins.so.13.2"])
    }

    /// The driver is also looked for where NVIDIA's container images mount it.
    @Test func theDriverIsAlsoLookedForInTheContainerMountFolder() {
        #expect(CUDADriver.standardCandidates.first == "libcuda.so.1")
        #expect(CUDADriver.standardCandidates.contains("/usr/local/nvidia/lib64/libcuda.so.1"))
        #expect(CUDAProvider().missingHint.isEmpty || CUDAProvider().missingHint.contains("/usr/local/nvidia/lib64/libcuda.so.1"))
    }
}
