import COpenCL
import FlowCore
import FlowKernelDevice

/// The one CLBlast entry point the bench's yardstick calls, resolved from an opened
/// `libclblast.so.1`. The type is the C signature of `clblast_c.h` (CLBlast 1.x): the status,
/// layout and transpose arguments are C enums (`Int32`), `size_t` is `Int`. A mistake here is
/// undefined behaviour that no compiler catches, so the table holds only this call.
struct CLBlastFunctions {
    typealias Sgemm =
        @convention(c) (
            Int32, Int32, Int32, Int, Int, Int, Float,
            cl_mem?, Int, Int, cl_mem?, Int, Int, Float, cl_mem?, Int, Int,
            UnsafeMutablePointer<cl_command_queue?>?, UnsafeMutablePointer<cl_event?>?
        ) -> Int32

    // The enum values of clblast_c.h.
    static let rowMajor: Int32 = 101
    static let transposeNo: Int32 = 111
    static let transposeYes: Int32 = 112

    let sgemm: Sgemm

    init(_ library: DynamicLibrary) throws {
        sgemm = try library.function("CLBlastSgemm", as: Sgemm.self)
    }
}
