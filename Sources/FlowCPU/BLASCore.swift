import CBLAS
import FlowCore
import Foundation

/// OpenBLAS (Debian builds it with DYNAMIC_ARCH) picks its kernels by CPU model when the library
/// loads. Releases older than the CPU do not recognise it and fall back to the SSE3 "Prescott"
/// kernels, which run sgemm about 5× slower on AVX-512 machines (measured here: 65 vs 300 GFLOP/s
/// on a Sapphire Rapids core pair with OpenBLAS 0.3.21). The choice can only be made through
/// `OPENBLAS_CORETYPE` before the library loads, so `flowkit` re-executes itself with it set.
public enum BLASCore {
    /// The kernel family OpenBLAS selected in this process.
    public static var current: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// The OpenBLAS build: version and build options (`OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY …`),
    /// without the kernel family, which `current` names.
    public static var library: String {
        guard let config = openblas_get_config() else { return "unknown" }
        let words = String(cString: config).split(separator: " ")
        return words.filter { $0.lowercased() != current.lowercased() }.joined(separator: " ")
    }

    /// A better `OPENBLAS_CORETYPE` for this CPU when OpenBLAS fell back to a generic one, else nil.
    /// Never overrides a value the user set.
    public static func recommendedCoreType(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        guard environment["OPENBLAS_CORETYPE"] == nil else { return nil }
        let generic: Set<String> = ["prescott", "core2", "penryn", "dunnington", "nehalem", "katmai", "coppermine", "northwood", "banias", "atom", "unknown"]
        guard generic.contains(current.lowercased()) else { return nil }
        let flags = cpuFlags()
        if ["avx512f", "avx512dq", "avx512bw", "avx512vl"].allSatisfy(flags.contains) { return "SkylakeX" }
        if ["avx2", "fma"].allSatisfy(flags.contains) { return "Haswell" }
        return nil
    }

    private static func cpuFlags() -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
            let colon = line.firstIndex(of: ":")
        else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }
}
