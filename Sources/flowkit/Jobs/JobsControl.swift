import ArgumentParser
import Foundation

struct JobsShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print one job as JSON.")

    @Argument(help: "The job id.") var id: String
    @OptionGroup var service: ServiceOptions

    func validate() throws { try checkJobID(id) }

    func run() async throws {
        let reply = try await service.client().request("GET", "v1/jobs/\(id)")
        print(String(decoding: reply.body, as: UTF8.self))
    }
}

/// `cancel`, `pause` and `resume` differ only in the verb they post.
protocol JobAction: AsyncParsableCommand {
    static var verb: String { get }
    var id: String { get }
    var service: ServiceOptions { get }
}

extension JobAction {
    func validate() throws { try checkJobID(id) }

    func run() async throws {
        let job = try await service.client().json("POST", "v1/jobs/\(id)/\(Self.verb)")
        print("\(id): \(job["status"] as? String ?? "?")")
    }
}

struct JobsCancel: JobAction {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a job (a running one is stopped).")
    static let verb = "cancel"
    @Argument(help: "The job id.") var id: String
    @OptionGroup var service: ServiceOptions
}

struct JobsPause: JobAction {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Pause a job: it checkpoints and frees its device.")
    static let verb = "pause"
    @Argument(help: "The job id.") var id: String
    @OptionGroup var service: ServiceOptions
}

struct JobsResume: JobAction {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Queue a paused job again; it continues from its checkpoint.")
    static let verb = "resume"
    @Argument(help: "The job id.") var id: String
    @OptionGroup var service: ServiceOptions
}
