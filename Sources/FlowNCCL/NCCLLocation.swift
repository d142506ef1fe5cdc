import Foundation

/// Where NCCL is looked for, as a list of `dlopen` candidates (kept apart from the opening so the
/// order can be tested without NCCL): `$FLOWKIT_NCCL_DIR` when set (an explicit choice wins), the
/// soname alone (the dynamic linker's path: `LD_LIBRARY_PATH`, the system's libraries, a CUDA
/// install), then the folder NVIDIA's Python wheel (`nvidia-nccl-cu12`/`-cu13`, which PyTorch's
/// pip install brings) puts it in under each site-packages folder.
public enum NCCLLocation {
    public static let soname = "libnccl.so.2"
    public static let directoryVariable = "FLOWKIT_NCCL_DIR"

    public static func candidates(environment: [String: String], sitePackages: [String]) -> [String] {
        var candidates: [String] = []
        if let directory = environment[directoryVariable], !directory.isEmpty {
            candidates.append((directory as NSString).appendingPathComponent(soname))
        }
        candidates.append(soname)
        for folder in sitePackages {
            candidates.append((folder as NSString).appendingPathComponent("nvidia/nccl/lib/\(soname)"))
        }
        return candidates
    }
}
