import FlowCore

/// What a resume says about the numerics a checkpoint was computed with. A run resumed on a
/// device whose fingerprint differs continues, but is then not bit-identical to an uninterrupted
/// one; `--strict-numerics` refuses instead. A checkpoint without a fingerprint (written before
/// flowkit recorded one) still loads: refusing would strand every older run, and staying silent
/// would let a user believe the continuation was checked, so it gets a line of its own (and
/// `--strict-numerics`, which promises a check, refuses it).
public enum NumericsCheck {
    public struct Mismatch: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// The line to report on resuming from checkpoint `step` (nil when the fingerprints agree), or
    /// a `Mismatch` when `strict` and they do not provably agree.
    public static func resume(recorded: NumericsFingerprint?, current: NumericsFingerprint, step: Int, strict: Bool) throws -> String? {
        guard let recorded else {
            let reason = "checkpoint step \(step) records no numerics fingerprint (written by an older flowkit)"
            if strict {
                throw Mismatch(
                    message:
                        "--strict-numerics: \(reason), so a bit-identical continuation cannot be checked; resume without --strict-numerics to continue anyway")
            }
            return "note: \(reason); whether this device computes the same bits cannot be checked"
        }
        let differences = current.differences(from: recorded)
        guard !differences.isEmpty else { return nil }
        let reason = "checkpoint step \(step) was computed with other numerics (\(differences.joined(separator: "; ")))"
        if strict {
            throw Mismatch(message: "--strict-numerics: \(reason); resume where they match, or without --strict-numerics to continue anyway")
        }
        return "warning: \(reason); the run continues, but is not bit-identical to an uninterrupted one"
    }
}
