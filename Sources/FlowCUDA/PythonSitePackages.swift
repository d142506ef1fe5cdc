import Foundation

/// The site-packages folders of the Python installations a GPU host usually has, found without
/// running Python: where pip puts NVIDIA's wheels (PyTorch's own NVRTC among them) when there is
/// no CUDA toolkit. A folder that does not exist is simply not listed.
package enum PythonSitePackages {
    /// The prefixes looked under: an active virtual or conda environment first, then the system's.
    package static func prefixes(environment: [String: String]) -> [String] {
        var prefixes: [String] = []
        for variable in ["VIRTUAL_ENV", "CONDA_PREFIX"] {
            if let prefix = environment[variable], !prefix.isEmpty { prefixes.append(prefix) }
        }
        if let home = environment["HOME"], !home.isEmpty { prefixes.append((home as NSString).appendingPathComponent(".local")) }
        return prefixes + ["/usr/local", "/usr", "/opt/conda"]
    }

    /// `<prefix>/lib/python3.X/{site,dist}-packages` for every `python3.X` folder that `list` finds
    /// in `<prefix>/lib`, and Debian's `/usr/lib/python3/dist-packages`. `list` returns a folder's
    /// entries (none when it does not exist), so this can be tested on a made-up tree.
    package static func folders(prefixes: [String], list: (String) -> [String]) -> [String] {
        var folders: [String] = []
        for prefix in prefixes {
            let lib = (prefix as NSString).appendingPathComponent("lib")
            let versions = list(lib).filter { $0.hasPrefix("python3") }.sorted(by: >)
            for version in versions {
                let base = (lib as NSString).appendingPathComponent(version)
                for kind in ["site-packages", "dist-packages"] where list(base).contains(kind) {
                    folders.append((base as NSString).appendingPathComponent(kind))
                }
            }
        }
        if list("/usr/lib/python3").contains("dist-packages") { folders.append("/usr/lib/python3/dist-packages") }
        var seen = Set<String>()
        return folders.filter { seen.insert($0).inserted }
    }

    /// The folders on this machine.
    package static func folders(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        folders(prefixes: prefixes(environment: environment)) { folder in
            (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        }
    }
}
