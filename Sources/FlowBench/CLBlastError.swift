import FlowCore

/// Why CLBlast could not compute a product (`DynamicLibraryError` says why it could not be opened).
package enum CLBlastError: Error, CustomStringConvertible, Equatable {
    /// A product the yardstick does not hand to CLBlast (batches, bias, activation).
    case unsupported(detail: String)
    /// `CLBlastSgemm` returned a status other than `CLBlastSuccess`.
    case call(function: String, status: Int32)

    package var description: String {
        switch self {
        case let .unsupported(detail):
            return "CLBlast yardstick: \(detail)"
        case let .call(function, status):
            return "CLBlast call \(function) failed with status \(status)"
        }
    }
}
