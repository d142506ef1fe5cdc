import Foundation

/// A shared library opened at run time with `dlopen`, for the vendor libraries flowkit must not
/// link against (so that the binary builds and runs where they are absent): NVRTC, CLBlast and,
/// for the CUDA backend, the driver. Each library keeps only its candidate paths and its table of
/// entry points; the opening, the error reporting and the closing are here, once.
package final class DynamicLibrary: @unchecked Sendable {
    // @unchecked: `handle` is immutable, and `dlsym` may be called from any thread.

    /// The path or name the library was opened by.
    package let path: String
    private let handle: UnsafeMutableRawPointer

    private init(handle: UnsafeMutableRawPointer, path: String) {
        self.handle = handle
        self.path = path
    }

    deinit { dlclose(handle) }

    /// Opens the first of `candidates` (library names, searched on the dynamic linker's path, or
    /// paths) that opens, or throws `DynamicLibraryError.notFound` with the linker's reason for
    /// each attempt. `library` names what was looked for, in that message.
    package static func open(_ library: String, candidates: [String]) throws -> DynamicLibrary {
        var attempts: [String] = []
        for candidate in candidates {
            // RTLD_LOCAL: the symbols are reached through dlsym only and must not interpose on others.
            if let handle = dlopen(candidate, RTLD_NOW | RTLD_LOCAL) {
                return DynamicLibrary(handle: handle, path: candidate)
            }
            attempts.append("\(candidate): \(dlerror().map { String(cString: $0) } ?? "not found")")
        }
        throw DynamicLibraryError.notFound(library: library, attempts: attempts)
    }

    /// The entry point `name` as a C function of type `Function`, or
    /// `DynamicLibraryError.missingSymbol` when the library lacks it. `Function` must be the
    /// entry point's true C signature: a mismatch is undefined behaviour no compiler catches.
    package func function<Function>(_ name: String, as type: Function.Type) throws -> Function {
        guard let address = dlsym(handle, name) else {
            throw DynamicLibraryError.missingSymbol(name: name, library: path)
        }
        return unsafeBitCast(address, to: type)
    }
}

/// Why a run-time library could not be used.
package enum DynamicLibraryError: Error, CustomStringConvertible, Equatable {
    /// No candidate could be opened; each attempt with the dynamic linker's reason.
    case notFound(library: String, attempts: [String])
    /// The library opened but lacks an entry point flowkit needs (another major version, or damaged).
    case missingSymbol(name: String, library: String)

    package var description: String {
        switch self {
        case let .notFound(library, attempts):
            return "\(library) not found; tried:\n" + attempts.map { "  \($0)" }.joined(separator: "\n")
        case let .missingSymbol(name, library):
            return "\(library) has no symbol \(name)"
        }
    }
}
