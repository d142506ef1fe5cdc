import Foundation

/// The layout of the service's state directory. Every path is built from the directory and
/// validated ids (`Identifier`); no string from a client ever becomes a path.
///
///     <state>/flowkit.sqlite        the store (+ -wal, -shm)
///     <state>/server.lock           held (flock) by the one server using the directory
///     <state>/datasets/<sha256>.<format>
///     <state>/uploads/              uploads in progress (emptied at start-up)
///     <state>/jobs/<id>/config.json the job's resolved training config
///     <state>/jobs/<id>/train.log   the child's standard error (warnings, the failure message)
///     <state>/jobs/<id>/output.log  the child's standard output (progress)
///     <state>/jobs/<id>/run/        the run directory (`flowkit eval --run-dir` works on it)
public struct StatePaths: Sendable {
    public let root: URL

    public init(_ path: String) {
        root = URL(fileURLWithPath: path).standardizedFileURL
    }

    public var database: String { root.appendingPathComponent("flowkit.sqlite").path }
    public var serverLock: String { root.appendingPathComponent("server.lock").path }
    public var datasets: URL { root.appendingPathComponent("datasets") }
    public var uploads: URL { root.appendingPathComponent("uploads") }
    public var jobs: URL { root.appendingPathComponent("jobs") }

    public func dataset(_ id: String, format: DatasetRecord.Format) -> URL {
        datasets.appendingPathComponent("\(id).\(format.rawValue)")
    }

    public func job(_ id: String) -> URL { jobs.appendingPathComponent(id) }
    public func jobConfig(_ id: String) -> URL { job(id).appendingPathComponent("config.json") }
    public func jobLog(_ id: String) -> URL { job(id).appendingPathComponent("train.log") }
    public func jobOutput(_ id: String) -> URL { job(id).appendingPathComponent("output.log") }
    public func run(_ id: String) -> URL { job(id).appendingPathComponent("run") }

    /// Creates the folders (the state directory itself included) and empties `uploads/`.
    func prepare() throws {
        let manager = FileManager.default
        for folder in [root, datasets, uploads, jobs] {
            try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        for name in (try? manager.contentsOfDirectory(atPath: uploads.path)) ?? [] {
            try? manager.removeItem(at: uploads.appendingPathComponent(name))
        }
    }
}
