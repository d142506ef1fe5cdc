import FlowCore
import Foundation

/// Compiled program binaries on disk (OpenCL program binaries, CUDA CUBINs), so a second start
/// does not recompile. The key covers everything that changes the binary: the runtime's binary
/// format, device name, driver (and compiler) version, build options and the source. The full key
/// is stored inside the file and compared on load, so a hash collision or a truncated file only
/// costs a rebuild, never a wrong kernel.
package struct ProgramBinaryCache: Sendable {
    package let directory: URL?

    package init(directory: URL?) { self.directory = directory }

    /// `$FLOWKIT_CACHE_DIR`, else `$XDG_CACHE_HOME/flowkit/kernels`, else `~/.cache/flowkit/kernels`;
    /// `FLOWKIT_CACHE_DIR=off` disables the cache.
    package static func standard() -> ProgramBinaryCache {
        let environment = ProcessInfo.processInfo.environment
        if let custom = environment["FLOWKIT_CACHE_DIR"], !custom.isEmpty {
            return ProgramBinaryCache(directory: custom == "off" ? nil : URL(fileURLWithPath: custom))
        }
        let base =
            environment["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        return ProgramBinaryCache(directory: base.appendingPathComponent("flowkit/kernels"))
    }

    /// `format` is the runtime's `binaryFormat` (`flowkit-cl-1` for OpenCL, the prefix of every key
    /// since the cache existed, so OpenCL entries written before the CUDA backend stay valid).
    package static func key(format: String, device: String, driver: String, options: String, source: String) -> String {
        "\(format)|\(device)|\(driver)|\(options)|\(fnv1a(source))|\(source.utf8.count)"
    }

    package func load(program: String, key: String) -> [UInt8]? {
        guard let url = fileURL(program: program, key: key), let data = try? Data(contentsOf: url) else { return nil }
        let header = Array(key.utf8) + [0]
        guard data.count > header.count, Array(data.prefix(header.count)) == header else { return nil }
        return Array(data.dropFirst(header.count))
    }

    /// Best effort: a read-only or full disk just means the next start compiles again.
    package func store(program: String, key: String, binary: [UInt8]) {
        guard let directory, let url = fileURL(program: program, key: key) else { return }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
            try Data(Array(key.utf8) + [0] + binary).write(to: temporary)
            // rename(2) replaces the entry atomically: a reader sees the old file or the new one.
            if rename(temporary.path, url.path) != 0 { try? FileManager.default.removeItem(at: temporary) }
        } catch {
            return
        }
    }

    private func fileURL(program: String, key: String) -> URL? {
        directory?.appendingPathComponent("\(program)-\(fnv1a(key)).bin")
    }

    /// 64-bit FNV-1a, printed in hex: a cheap, stable file name (not a security hash).
    static func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return String(hash, radix: 16)
    }

    private func fnv1a(_ text: String) -> String { Self.fnv1a(text) }
}
