import ArgumentParser

/// `flowkit jobs …`: the training service from the command line, so nobody needs curl.
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "Submit, watch and control training jobs on a flowkit server.",
        discussion: "The server is --server (default $FLOWKIT_SERVER, else http://127.0.0.1:8080); the token comes from --token-file or $FLOWKIT_TOKEN.",
        subcommands: [
            JobsSubmit.self, JobsList.self, JobsShow.self, JobsLogs.self, JobsCancel.self, JobsPause.self, JobsResume.self, JobsSamples.self,
        ])
}
