import Foundation

/// A `flowkit train` started by `flowkit serve` (which passes its pid in `FLOWKIT_PARENT_PID`)
/// asks the kernel for SIGTERM when the server dies (`prctl(PR_SET_PDEATHSIG)`): it then
/// checkpoints and exits like any interrupted run, instead of training on unnoticed. A server
/// that died before the request took effect is caught by comparing the parent pid afterwards.
enum ParentWatch {
    static let variable = "FLOWKIT_PARENT_PID"
    /// `PR_SET_PDEATHSIG` of <linux/prctl.h> (part of the kernel's stable ABI).
    private static let setParentDeathSignal: Int32 = 1
    /// prctl is variadic, which Swift does not import: it is called through its address with
    /// the five-integer form the kernel interface has (the same registers on x86-64 and arm64).
    private typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32

    static func install() {
        guard let text = ProcessInfo.processInfo.environment[variable], let expected = Int32(text), expected > 0 else { return }
        if let program = dlopen(nil, RTLD_NOW), let symbol = dlsym(program, "prctl") {
            let prctl = unsafeBitCast(symbol, to: Prctl.self)
            if prctl(setParentDeathSignal, UInt(SIGTERM), 0, 0, 0) != 0 {
                printError("warning: cannot ask to be stopped with the server (prctl: \(String(cString: strerror(errno))))")
            }
        }
        if getppid() != expected {
            printError("flowkit train: the server that started this run (pid \(expected)) is gone; not training")
            exit(130)
        }
    }
}
