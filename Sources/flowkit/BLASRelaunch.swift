import FlowRuntime
import Foundation

/// Re-executes `flowkit` with `OPENBLAS_CORETYPE` set when OpenBLAS fell back to generic kernels
/// (see `BLASCore`). Runs before any work, so nothing is done twice; a marker variable prevents loops.
enum BLASRelaunch {
    static let marker = "FLOWKIT_BLAS_RELAUNCHED"

    static func relaunchIfNeeded() {
        let environment = ProcessInfo.processInfo.environment
        guard environment[marker] == nil, let core = BLASCore.recommendedCoreType(environment: environment) else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv(marker, "1", 1)
        let arguments = CommandLine.arguments
        var cArguments = arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &cArguments)
        // exec failed (no /proc?): carry on with the slower kernels rather than fail.
        for pointer in cArguments { free(pointer) }
    }
}
