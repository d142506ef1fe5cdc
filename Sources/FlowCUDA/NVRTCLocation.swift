import Foundation

/// Where NVRTC is looked for, as a list of `dlopen` candidates: kept apart from the opening so the
/// order can be tested without NVRTC.
///
/// NVRTC's soname carries its major version, and the CUDA 12 and CUDA 13 wheels and toolkits lay
/// it out differently: `libnvrtc.so.12` in `nvidia/cuda_nvrtc/lib` (wheel `nvidia-cuda-nvrtc-cu12`)
/// and `libnvrtc.so.13` in `nvidia/cu13/lib` (wheel `nvidia-cuda-nvrtc` 13.x). Every folder is
/// tried for each soname in `NVRTCLocation.sonames` order before the next folder, so an explicit
/// folder wins over a newer NVRTC elsewhere.
public enum NVRTCLocation {
    /// The sonames flowkit's `NVRTCFunctions` table is written for (the C API is the same in both).
    public static let supportedMajors = [13, 12]

    /// The environment variable naming a folder that holds `libnvrtc.so.13` or `libnvrtc.so.12`.
    public static let directoryVariable = "FLOWKIT_NVRTC_DIR"

    /// `libnvrtc.so.13`, `libnvrtc.so.12`: newest first, unless the CUDA driver is older than an
    /// NVRTC (a CUBIN from NVRTC 13 may not load on a CUDA 12 driver), then the ones it supports first.
    public static func sonames(driverMajor: Int? = nil) -> [String] {
        var majors = supportedMajors
        if let driverMajor {
            majors = majors.filter { $0 <= driverMajor } + majors.filter { $0 > driverMajor }
        }
        return majors.map { "libnvrtc.so.\($0)" }
    }

    /// What `missing NVRTC` messages say was looked for.
    public static var sonamesDescription: String { sonames().joined(separator: " or ") }

    /// Every candidate, in order: `$FLOWKIT_NVRTC_DIR` when set (an explicit choice wins), then the
    /// sonames alone (the dynamic linker's search path: `LD_LIBRARY_PATH`, the system's libraries),
    /// then each of `fallbackDirectories`; each place with every soname.
    public static func candidates(
        fallbackDirectories: [String], environment: [String: String], driverMajor: Int? = nil
    ) -> [String] {
        let names = sonames(driverMajor: driverMajor)
        var candidates: [String] = []
        if let directory = environment[directoryVariable], !directory.isEmpty {
            candidates += inDirectory(directory, names)
        }
        candidates += names
        for directory in fallbackDirectories { candidates += inDirectory(directory, names) }
        return candidates
    }

    /// The candidates of one folder only: for opening exactly the NVRTC a caller names.
    public static func candidates(inDirectory directory: String, driverMajor: Int? = nil) -> [String] {
        inDirectory(directory, sonames(driverMajor: driverMajor))
    }

    /// The folders a Python package of NVRTC puts the library in, under each site-packages folder:
    /// the CUDA 13 wheel's `nvidia/cu13/lib`, then the CUDA 12 wheel's `nvidia/cuda_nvrtc/lib`.
    public static func wheelDirectories(sitePackages: [String]) -> [String] {
        sitePackages.flatMap { folder in
            ["nvidia/cu13/lib", "nvidia/cuda_nvrtc/lib"].map { (folder as NSString).appendingPathComponent($0) }
        }
    }

    /// NVRTC 13's builtins library, which it does not look for beside itself (12.x did): the
    /// `<major>.<minor>` comes from `nvrtcVersion`; the folder NVRTC was opened from, else (NVRTC
    /// opened by soname) the name alone, which the linker finds on the same search path.
    public static func builtinsCandidates(libraryFile: String?, version: (major: Int, minor: Int)) -> [String] {
        let name = "libnvrtc-builtins.so.\(version.major).\(version.minor)"
        guard let libraryFile, libraryFile.contains("/") else { return [name] }
        return [((libraryFile as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name), name]
    }

    private static func inDirectory(_ directory: String, _ names: [String]) -> [String] {
        names.map { (directory as NSString).appendingPathComponent($0) }
    }
}
