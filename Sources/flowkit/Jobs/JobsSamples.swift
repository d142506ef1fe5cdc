import ArgumentParser
import FlowTraining
import Foundation

struct JobsSamples: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "samples", abstract: "Draw samples from a job's model (its best model, else its newest checkpoint) into a file.")

    @Argument(help: "The job id.") var id: String

    @Option(name: .short, parsing: .unconditional, help: "Number of samples.")
    var n: Int

    @Option(name: .long, help: "Output file: .csv, .npy, .json, or .png (images only).")
    var out: String

    @Option(name: .long, parsing: .unconditional, help: "Random seed of the samples.")
    var seed: UInt64 = 0

    @Option(name: .long, parsing: .unconditional, help: "Scale of the base distribution's noise.")
    var temperature: Float = 1

    @OptionGroup var service: ServiceOptions

    static let accept = ["csv": "text/csv", "npy": "application/x-npy", "json": "application/json", "png": "image/png"]

    func validate() throws {
        try checkJobID(id)
        try ArgumentChecks.count(n, "-n", in: ConfigLimits.samples)
        guard temperature > 0, temperature <= 100, temperature.isFinite else { throw ValidationError("--temperature must be in (0, 100], got \(temperature)") }
        guard Self.accept[URL(fileURLWithPath: out).pathExtension.lowercased()] != nil else {
            throw ValidationError("--out must end in .csv, .npy, .json or .png, got \(out)")
        }
    }

    func run() async throws {
        let body = try JSONSerialization.data(withJSONObject: ["n": n, "seed": seed, "temperature": Double(temperature)], options: [.sortedKeys])
        let accept = Self.accept[URL(fileURLWithPath: out).pathExtension.lowercased()] ?? "application/json"
        let reply: ServiceClient.Reply
        do {
            reply = try await service.client().request("POST", "v1/jobs/\(id)/samples", body: body, contentType: "application/json", accept: accept)
        } catch let failure as ServiceClient.Failure where failure.status == 406 && accept == "image/png" {
            // The server draws a PNG grid only for image models.
            let stem = String(out.dropLast(URL(fileURLWithPath: out).pathExtension.count + 1))
            throw ServiceClient.Failure(
                description:
                    "--out \(out): PNG samples are for image models (trained on images: data.kind digits or idx, or an NPY of images), and job \(id) models vectors; "
                    + "write its samples as CSV, NPY or JSON instead, e.g. --out \(stem).csv",
                status: failure.status)
        }
        try AtomicFile.write(reply.body, to: URL(fileURLWithPath: out))
    }
}
