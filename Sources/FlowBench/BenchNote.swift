import Foundation

/// A figure that could not be measured (a yardstick whose library is absent), printed in its
/// place so that its absence is visible rather than silent.
package struct BenchNote: BenchLine {
    let device: String
    let name: String
    let shape: String
    let note: String

    package var line: String {
        device.padding(toLength: 10, withPad: " ", startingAt: 0) + name.padding(toLength: 16, withPad: " ", startingAt: 0)
            + shape.padding(toLength: 20, withPad: " ", startingAt: 0) + note
    }

    package var json: String {
        #"{"device":"\#(device)","op":"\#(name)","shape":"\#(shape)","skipped":"\#(BenchResult.escaped(note))"}"#
    }
}
