import Foundation
import Testing

/// `flowkit train` on a config that points at a crafted data file: the command exits with 1
/// (an error, not a trap's signal) and the message names the file and what is wrong, and no
/// run directory is left behind.
@Suite struct HostileInputCLITests {
    static let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flowkit-hostile-\(UUID().uuidString)")

    /// A float32 `.npy` file whose header says `shape`, followed by `payload` bytes.
    static func npy(shape: String, payload: Int) -> Data {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: Array(header.utf8))
        data.append(Data(count: payload))
        return data
    }

    @Test(arguments: [
        ("negative.npy", "(-3, 2)", 24, "header shape [-3, 2]: dimension 0 is negative (-3)"),
        ("overflow.npy", "(4611686018427387904, 4)", 64, "header shape [4611686018427387904, 4]: the dimensions multiply to more than the limit"),
        ("short.npy", "(100000, 2)", 64, "header shape [100000, 2]: needs 800000 bytes of data (200000 elements of 4 bytes), the file holds 64"),
        ("garbled.npy", "(100, x)", 64, "header shape (100, x): dimension 1 ('x') is not an integer"),
    ])
    func trainOnAHostileNPYFailsWithTheMessage(name: String, shape: String, payload: Int, message: String) throws {
        try FileManager.default.createDirectory(at: Self.folder, withIntermediateDirectories: true)
        let data = Self.folder.appendingPathComponent(name)
        try Self.npy(shape: shape, payload: payload).write(to: data)
        let config = Self.folder.appendingPathComponent("\(name).json")
        try Data(#"{"data": {"kind": "npy", "train": "\#(name)"}, "train": {"steps": 2}}"#.utf8).write(to: config)
        let run = Self.folder.appendingPathComponent("run-\(name)").path
        let outcome = try CLITests.run(["train", config.path, "--run-dir", run])
        #expect(outcome.status == 1, "status \(outcome.status), stderr: \(outcome.stderr)")
        #expect(outcome.stderr.contains("\(data.path): \(message)"), "stderr: \(outcome.stderr)")
        #expect(!FileManager.default.fileExists(atPath: run), "a failed start left \(run) behind")
    }
}
