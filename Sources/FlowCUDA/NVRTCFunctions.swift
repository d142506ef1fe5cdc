import FlowCore
import FlowKernelDevice

/// The NVRTC entry points flowkit calls, resolved from an opened `libnvrtc.so.12`.
/// The types are the C signatures of `nvrtc.h` (CUDA 12): `nvrtcResult` is a C enum (`Int32`),
/// `nvrtcProgram` an opaque pointer and `size_t` is `Int`. A mistake here is undefined behaviour
/// that no compiler catches, so the table is kept to the few calls `NVRTC` needs.
struct NVRTCFunctions {
    typealias Strings = UnsafePointer<UnsafePointer<CChar>?>?
    typealias CreateProgram =
        @convention(c) (
            UnsafeMutablePointer<OpaquePointer?>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, Int32, Strings, Strings
        ) -> Int32
    typealias CompileProgram = @convention(c) (OpaquePointer?, Int32, Strings) -> Int32
    typealias GetSize = @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int>?) -> Int32
    typealias GetText = @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?) -> Int32
    typealias DestroyProgram = @convention(c) (UnsafeMutablePointer<OpaquePointer?>?) -> Int32
    typealias GetErrorString = @convention(c) (Int32) -> UnsafePointer<CChar>?
    typealias Version = @convention(c) (UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?) -> Int32

    let createProgram: CreateProgram
    let compileProgram: CompileProgram
    let getProgramLogSize: GetSize
    let getProgramLog: GetText
    let getPTXSize: GetSize
    let getPTX: GetText
    let getCUBINSize: GetSize
    let getCUBIN: GetText
    let destroyProgram: DestroyProgram
    let getErrorString: GetErrorString
    let version: Version

    /// Resolves every entry point, or throws naming the first one the library lacks.
    init(_ library: DynamicLibrary) throws {
        func resolve<Function>(_ name: String, as type: Function.Type) throws -> Function {
            try library.function(name, as: type)
        }
        createProgram = try resolve("nvrtcCreateProgram", as: CreateProgram.self)
        compileProgram = try resolve("nvrtcCompileProgram", as: CompileProgram.self)
        getProgramLogSize = try resolve("nvrtcGetProgramLogSize", as: GetSize.self)
        getProgramLog = try resolve("nvrtcGetProgramLog", as: GetText.self)
        getPTXSize = try resolve("nvrtcGetPTXSize", as: GetSize.self)
        getPTX = try resolve("nvrtcGetPTX", as: GetText.self)
        getCUBINSize = try resolve("nvrtcGetCUBINSize", as: GetSize.self)
        getCUBIN = try resolve("nvrtcGetCUBIN", as: GetText.self)
        destroyProgram = try resolve("nvrtcDestroyProgram", as: DestroyProgram.self)
        getErrorString = try resolve("nvrtcGetErrorString", as: GetErrorString.self)
        version = try resolve("nvrtcVersion", as: Version.self)
    }
}
