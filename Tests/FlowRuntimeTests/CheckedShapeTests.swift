import FlowRuntime
import Testing

/// Shapes from outside (file headers, callers) are checked once, and every refusal says which
/// shape and why; `Tensor`'s constructors refuse the same shapes with a `FlowError`, never a trap.
@Suite struct CheckedShapeTests {
    /// The problem `body` throws, or nil (recorded as a failure) when it does not throw one.
    private func problem(_ body: () throws -> Void) -> CheckedShape.Problem? {
        do {
            try body()
            Issue.record("expected a CheckedShape.Problem")
        } catch let error as CheckedShape.Problem {
            return error
        } catch {
            Issue.record("expected a CheckedShape.Problem, got \(error)")
        }
        return nil
    }

    @Test func validShapesKeepTheirDimensionsAndCount() throws {
        #expect(try CheckedShape([3, 4, 5]).count == 60)
        #expect(try CheckedShape([]).count == 1)
        #expect(try CheckedShape([7, 0, 3]).count == 0)
        #expect(try CheckedShape([2, 3]).dimensions == [2, 3])
        #expect(try CheckedShape([1 << 34]).count == 1 << 34)
    }

    @Test func negativeDimensionNamesTheAxisAndTheShape() {
        let error = problem { _ = try CheckedShape([4, -3, 2]) }
        #expect(error?.description == "shape [4, -3, 2]: dimension 1 is negative (-3)")
    }

    @Test func overflowingProductIsAnErrorNotATrap() {
        let error = problem { _ = try CheckedShape([Int.max, Int.max], limit: Int.max) }
        #expect(error?.reason == "the product of the dimensions overflows a 64-bit integer")
        let big = problem { _ = try CheckedShape([1 << 20, 1 << 20]) }
        #expect(big?.reason.contains("more than the limit of \(CheckedShape.defaultElementLimit) elements") == true)
    }

    @Test func zeroDimensionDoesNotHideAnOverflowingRest() {
        // No elements, but all-but-the-first-axis would overflow: refused, so sub-products are safe.
        #expect(problem { _ = try CheckedShape([0, 1 << 40, 1 << 40]) } != nil)
    }

    @Test func limitIsEnforced() throws {
        #expect(try CheckedShape([10, 10], limit: 100).count == 100)
        #expect(problem { _ = try CheckedShape([10, 11], limit: 100) }?.reason == "the dimensions multiply to more than the limit of 100 elements")
    }

    @Test func bytesAreCheckedAgainstWhatTheFileHolds() throws {
        let shape = try CheckedShape([3, 2])
        #expect(try shape.bytes(elementSize: 4, available: 24) == 24)
        let error = problem { _ = try shape.bytes(elementSize: 4, available: 8) }
        #expect(error?.description == "shape [3, 2]: needs 24 bytes of data (6 elements of 4 bytes), the file holds 8")
    }

    @Test func manyDimensionsAreAbbreviatedInMessages() {
        let error = problem { _ = try CheckedShape(Array(repeating: 2, count: 40) + [-1]) }
        #expect(error?.description == "shape [2, 2, 2, 2, 2, 2, 2, 2, … (41 dimensions)]: dimension 40 is negative (-1)")
    }

    @Test func tensorConstructorsThrowForHostileShapes() throws {
        let cpu = CPUDevice()
        for shape in [[-1], [3, -2], [Int.max, 2], [1 << 40, 1 << 40], [0, Int.max, Int.max]] {
            #expect(throws: FlowError.self) { _ = try Tensor.zeros(shape, on: cpu) }
            #expect(throws: FlowError.self) { _ = try Tensor.full(shape, value: 1, on: cpu) }
            #expect(throws: FlowError.self) { _ = try Tensor.empty(shape, on: cpu) }
            #expect(throws: FlowError.self) { _ = try Tensor.random(shape, .normal, seed: 1, on: cpu) }
            #expect(throws: FlowError.self) { _ = try Tensor([1, 2], shape: shape, on: cpu) }
            #expect(throws: FlowError.self) { _ = try Tensor(shape: shape, buffer: cpu.makeBuffer(bytes: 16), device: cpu) }
            #expect(throws: FlowError.self) { _ = try Tensor.zeros([2], on: cpu).reshaped(shape) }
        }
        do {
            _ = try Tensor.zeros([2, -5], on: cpu)
            Issue.record("a negative dimension was accepted")
        } catch {
            #expect("\(error)" == "Tensor.empty: invalid argument: shape [2, -5]: dimension 1 is negative (-5)")
        }
    }

    @Test func tensorLargerThanTheDeviceIsAnAllocationError() throws {
        let cpu = CPUDevice()
        // Under the element cap, over the machine's memory: an error before anything is allocated.
        let elements = Int(min(cpu.info.memoryBytes / 4 + 1024, UInt64(CheckedShape.defaultElementLimit)))
        guard UInt64(elements) * 4 > cpu.info.memoryBytes else { try Test.cancel("this machine has more memory than the element cap addresses") }
        #expect(throws: FlowError.self) { _ = try Tensor.zeros([elements], on: cpu) }
    }

    @Test func copyElementsRejectsOverflowingRanges() throws {
        let cpu = CPUDevice()
        let a = try Tensor.zeros([4], on: cpu)
        let b = try Tensor.zeros([4], on: cpu)
        #expect(throws: FlowError.self) { try a.copyElements(from: b, sourceOffset: Int.max, count: Int.max) }
        #expect(throws: FlowError.self) { try a.copyElements(from: b, offset: 2, count: Int.max) }
    }
}
