import FlowCore

/// Why CLBlast could not be opened or could not compute a product.
package enum CLBlastError: Error, CustomStringConvertible, Equatable {
    /// No candidate library could be opened; each attempt with the dynamic linker's reason.
    case libraryNotFound(attempts: [String])
    /// The library opened but lacks `CLBlastSgemm` (not CLBlast 1.x, or damaged).
    case missingSymbol(name: String, library: String)
    /// A product the yardstick does not hand to CLBlast (batches, bias, activation).
    case unsupported(detail: String)
    /// `CLBlastSgemm` returned a status other than `CLBlastSuccess`.
    case call(function: String, status: Int32)

    package var description: String {
        switch self {
        case let .libraryNotFound(attempts):
            return "CLBlast (libclblast.so.1) not found; tried:\n" + attempts.map { "  \($0)" }.joined(separator: "\n")
        case let .missingSymbol(name, library):
            return "\(library) has no symbol \(name) (not CLBlast 1.x?)"
        case let .unsupported(detail):
            return "CLBlast yardstick: \(detail)"
        case let .call(function, status):
            return "CLBlast call \(function) failed with status \(status)"
        }
    }
}
