import Foundation

/// A stand-in `libnccl.so.2`, compiled here from C with the machine's C compiler: one rank, host
/// memory, the entry points with NCCL 2's C signatures. It checks what a real NCCL would rely on
/// and a signature mistake would break: the unique id arriving by value with every byte intact,
/// `ncclUint8` as the type, the communicator it handed out, and sends and receives posted inside a
/// group and matched by size. The real library only runs on a GPU host (docs/distributed.md).
enum StandInNCCL {
    static let compiler: String? = ["/usr/bin/cc", "/usr/bin/gcc", "/usr/bin/clang"].first { FileManager.default.isExecutableFile(atPath: $0) }

    static let source = #"""
        #include <stddef.h>
        #include <string.h>
        typedef struct { char internal[128]; } unique_id;
        static int communicator;
        static const void *sent[64]; static size_t sent_bytes[64]; static int sends;
        static void *into[64]; static size_t into_bytes[64]; static int receives;
        static int in_group;
        static char pattern(int i) { return (char)(i * 7 + 3); }
        int ncclGetVersion(int *version) { *version = 22703; return 0; }
        int ncclGetUniqueId(unique_id *id) { for (int i = 0; i < 128; i++) id->internal[i] = pattern(i); return 0; }
        int ncclCommInitRank(void **comm, int ranks, unique_id id, int rank) {
            for (int i = 0; i < 128; i++) if (id.internal[i] != pattern(i)) return 4;
            if (ranks != 1 || rank != 0) return 4;
            *comm = &communicator;
            return 0;
        }
        int ncclCommDestroy(void *comm) { return comm == &communicator ? 0 : 4; }
        const char *ncclGetErrorString(int result) { return result == 4 ? "invalid argument (stand-in)" : "stand-in error"; }
        int ncclAllGather(const void *send, void *receive, size_t count, int type, void *comm, void *stream) {
            if (type != 1 || comm != &communicator) return 4;
            memcpy(receive, send, count);
            return 0;
        }
        int ncclBroadcast(const void *send, void *receive, size_t count, int type, int root, void *comm, void *stream) {
            if (type != 1 || root != 0 || comm != &communicator) return 4;
            memcpy(receive, send, count);
            return 0;
        }
        int ncclGroupStart(void) { in_group = 1; sends = receives = 0; return 0; }
        int ncclSend(const void *send, size_t count, int type, int peer, void *comm, void *stream) {
            if (!in_group || type != 1 || peer != 0 || comm != &communicator || sends == 64) return 4;
            sent[sends] = send; sent_bytes[sends++] = count;
            return 0;
        }
        int ncclRecv(void *receive, size_t count, int type, int peer, void *comm, void *stream) {
            if (!in_group || type != 1 || peer != 0 || comm != &communicator || receives == 64) return 4;
            into[receives] = receive; into_bytes[receives++] = count;
            return 0;
        }
        int ncclGroupEnd(void) {
            if (!in_group || sends != receives) return 4;
            for (int i = 0; i < sends; i++) {
                if (sent_bytes[i] != into_bytes[i]) return 4;
                memcpy(into[i], sent[i], sent_bytes[i]);
            }
            in_group = 0;
            return 0;
        }
        """#

    /// Builds the stand-in once into a temporary folder and returns its path.
    static func build() throws -> String {
        guard let compiler else { throw CocoaError(.executableNotLoadable) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flowkit-nccl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("nccl.c")
        try Data(source.utf8).write(to: file)
        let library = folder.appendingPathComponent("libnccl.so.2").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: compiler)
        process.arguments = ["-shared", "-fPIC", "-O1", "-o", library, file.path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
        return library
    }
}
