import Foundation

/// What a key that a config leaves out means, for the keys added after runs had already been
/// saved without them. Every other key has one default whatever the config's origin.
///
/// A run's saved `config.json` is its resolved config, every default written out, so a key
/// missing there means the run was saved before the key existed and must keep the behaviour it
/// was trained with; a config that starts a run gets the current default. Since the key exists,
/// saved configs state it, so the two readings only differ for runs saved before.
public struct ConfigDefaults: Sendable, Equatable {
    /// maf / iaf `model.logScale` when absent.
    public var logScale: ModelConfig.LogScale

    public init(logScale: ModelConfig.LogScale) { self.logScale = logScale }

    /// A config that starts a run.
    public static let newRun = ConfigDefaults(logScale: ModelConfig.defaultLogScale)
    /// A run's saved config: absent keys mean what the code did before they existed (MAF and IAF
    /// log-scales were unbounded).
    public static let savedRun = ConfigDefaults(logScale: .unbounded)

    /// For a config given to resume `run`: absent keys mean what the run was trained with, so
    /// resuming with the file the run was started from keeps meaning that run (read from its
    /// saved config; `.newRun` where the run holds no saved config, which the trainer refuses anyway).
    public static func resuming(_ run: RunDirectory) throws -> ConfigDefaults {
        guard run.holdsRun, FileManager.default.fileExists(atPath: run.config.path) else { return .newRun }
        return ConfigDefaults(logScale: try run.savedConfig().model.logScale ?? newRun.logScale)
    }
}
