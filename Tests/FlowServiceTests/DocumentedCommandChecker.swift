import Foundation

@testable import FlowService
@testable import flowkit

/// Checks one documented command against what it names in this checkout: a `flowkit` command
/// must parse with the CLI's own parser (`validate()` included), a `curl` must name a route the
/// server registers, a `docker build` a Dockerfile, stage and build argument that exist, a
/// `docker run` arguments the image's entry point passes on, a script must exist and mention each
/// `--flag` it is given, a `swift test --filter` must match a test, `mpirun`/`srun` options must
/// be ones `LauncherOptions` knows and the command they launch is checked as any other. Any other program is a
/// problem unless it is a standard tool with nothing of ours to check.
struct DocumentedCommandChecker {
    let root: URL
    let routes: [RouteSpec]
    let dockerStages: Set<String>
    let dockerArguments: Set<String>
    /// The first arguments `docker/entrypoint.sh` passes to `flowkit` as a subcommand.
    let entrypointSubcommands: Set<String>
    /// Whether the images carry Open MPI's `mpirun` (docker/Dockerfile installs openmpi-bin).
    let imageHasMPIRun: Bool
    /// Test targets, suites and test functions, which `--filter` patterns must match.
    let testNames: [String]

    /// Standard tools, checked for nothing.
    static let standardTools: Set<String> = [
        "echo", "cat", "head", "base64", "id", "mkdir", "cd", "sleep", "tar", "cp", "strip", "ls", "kill", "wait", "tee",
        "scancel",
    ]

    init(routes: [RouteSpec]) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        self.root = root
        self.routes = routes
        let dockerfile = try String(contentsOf: root.appendingPathComponent("docker/Dockerfile"), encoding: .utf8)
        var stages: Set<String> = []
        var arguments: Set<String> = []
        for line in dockerfile.split(separator: "\n") {
            let words = line.split(separator: " ").map { String($0) }
            if words.first?.uppercased() == "FROM", words.count >= 4, words[words.count - 2].uppercased() == "AS" { stages.insert(words[words.count - 1]) }
            if words.first?.uppercased() == "ARG", words.count >= 2 { arguments.insert(String(words[1].prefix { $0 != "=" })) }
        }
        dockerStages = stages
        dockerArguments = arguments
        imageHasMPIRun = dockerfile.contains("openmpi-bin")
        let entrypoint = try String(contentsOf: root.appendingPathComponent("docker/entrypoint.sh"), encoding: .utf8)
        let caseLine = entrypoint.split(separator: "\n").first { $0.contains("train|") && $0.hasSuffix(")") }
        entrypointSubcommands = Set((caseLine ?? "").trimmingCharacters(in: .whitespaces).dropLast().split(separator: "|").map(String.init))
        var names: [String] = []
        let tests = root.appendingPathComponent("Tests")
        for target in try FileManager.default.contentsOfDirectory(atPath: tests.path) {
            names.append(target)
            guard let files = FileManager.default.enumerator(atPath: tests.appendingPathComponent(target).path) else { continue }
            for case let file as String in files where file.hasSuffix(".swift") {
                let text = try String(contentsOf: tests.appendingPathComponent(target).appendingPathComponent(file), encoding: .utf8)
                names += text.matches(of: /(?:struct|enum|class) ([A-Za-z0-9_]+)/).map { String($0.output.1) }
                names += text.matches(of: /@Test[^\n]*\n?\s*func ([A-Za-z0-9_]+)/).map { String($0.output.1) }
            }
        }
        testNames = names
    }

    /// What is wrong with the command, or nil when it checks out.
    func problem(_ words: [String]) -> String? {
        let command = Array(words.drop(while: ShellScript.isAssignment))
        guard let program = command.first else { return nil }
        let arguments = Array(command.dropFirst())
        switch program {
        case "sudo", "time", "/usr/bin/time", "nohup":
            return problem(arguments)
        case "env":
            var rest = arguments[...]
            while let first = rest.first, first.hasPrefix("-") {
                rest = rest.dropFirst(first == "-u" ? 2 : 1)
            }
            return problem(Array(rest))
        case "export":
            return arguments.allSatisfy { ShellScript.isAssignment($0) || $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } }
                ? nil : "export takes assignments"
        case "flowkit", ".build/release/flowkit", "./flowkit":
            return flowkitProblem(arguments)
        case "curl":
            return curlProblem(arguments)
        case "docker":
            return dockerProblem(arguments)
        case "bash", "sh":
            guard let script = arguments.first else { return "\(program) without a script" }
            return scriptProblem(script, Array(arguments.dropFirst()))
        case "python3":
            guard let script = arguments.first else { return "python3 without a script" }
            if script == "-c" || script == "-m" { return nil }
            return scriptProblem(script, Array(arguments.dropFirst()))
        case "swift":
            return swiftProblem(arguments)
        case "mpirun", "mpiexec":
            return launcherProblem(program, arguments, LauncherOptions.mpirun)
        case "srun":
            return launcherProblem(program, arguments, LauncherOptions.srun)
        case "kubectl":
            return kubectlProblem(arguments)
        case _ where Self.standardTools.contains(program):
            return nil
        case _ where program.hasPrefix(".ci/") || program.hasPrefix("scripts/") || program.hasPrefix("docker/"):
            return scriptProblem(program, arguments)
        default:
            return "`\(program)` is not a program DocumentedCommandTests knows how to check: teach it, or put the block in a `text` fence"
        }
    }

    func flowkitProblem(_ arguments: [String]) -> String? {
        do {
            _ = try FlowKit.parseAsRoot(arguments)
            return nil
        } catch {
            // `--help` ends parsing with a clean exit, which is fine.
            return FlowKit.exitCode(for: error).isSuccess ? nil : "flowkit refuses it: \(FlowKit.message(for: error))"
        }
    }

    func curlProblem(_ arguments: [String]) -> String? {
        let withValue: Set<String> = ["-H", "--header", "-o", "--output", "-u", "--user", "-m", "--max-time", "-w", "--write-out", "-b", "--cookie"]
        let withBody: Set<String> = ["-d", "--data", "--data-binary", "--data-raw", "--data-urlencode", "-F", "--form"]
        var method: String?
        var hasBody = false
        var urls: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "-X" || argument == "--request" {
                method = index + 1 < arguments.count ? arguments[index + 1] : nil
                index += 2
            } else if withBody.contains(argument) {
                hasBody = true
                index += 2
            } else if withValue.contains(argument) {
                index += 2
            } else {
                if !argument.hasPrefix("-") { urls.append(argument) }
                index += 1
            }
        }
        guard !urls.isEmpty else { return "curl without a URL" }
        let verb = method ?? (hasBody ? "POST" : "GET")
        for url in urls {
            guard let scheme = url.range(of: "://") else { return "curl: `\(url)` is not a URL" }
            let afterHost = url[scheme.upperBound...].drop { $0 != "/" }
            let path = afterHost.isEmpty ? "/" : String(afterHost.prefix { $0 != "?" && $0 != "#" })
            let matching = routes.filter { Self.template($0.path, matches: path) }
            if !matching.contains(where: { $0.method == verb }) {
                return matching.isEmpty
                    ? "curl: the server has no route \(verb) \(path)"
                    : "curl: the server has no route \(verb) \(path) (it has \(matching.map(\.method).sorted().joined(separator: ", ")))"
            }
        }
        return nil
    }

    /// `{x}` in a route template matches one non-empty segment.
    static func template(_ template: String, matches path: String) -> Bool {
        let expected = template.split(separator: "/")
        let actual = path.split(separator: "/")
        return expected.count == actual.count && zip(expected, actual).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
    }

    func dockerProblem(_ arguments: [String]) -> String? {
        guard let subcommand = arguments.first else { return "docker without a subcommand" }
        let rest = Array(arguments.dropFirst())
        switch subcommand {
        case "build": return dockerBuildProblem(rest)
        case "run": return dockerRunProblem(rest)
        case "ps", "stop", "logs", "image", "images", "rm", "volume", "inspect", "start": return nil
        default: return "docker \(subcommand) is not checked"
        }
    }

    func dockerBuildProblem(_ arguments: [String]) -> String? {
        var index = 0
        var context: String?
        while index < arguments.count {
            let argument = arguments[index]
            let value = index + 1 < arguments.count ? arguments[index + 1] : ""
            switch argument {
            case "-f", "--file":
                if !FileManager.default.fileExists(atPath: root.appendingPathComponent(value).path) { return "docker build: no file \(value)" }
                index += 2
            case "--target":
                if !dockerStages.contains(value) { return "docker build: docker/Dockerfile has no stage \(value) (it has \(dockerStages.sorted()))" }
                index += 2
            case "--build-arg":
                let name = String(value.prefix { $0 != "=" })
                if !dockerArguments.contains(name) { return "docker build: docker/Dockerfile has no ARG \(name)" }
                index += 2
            case "-t", "--tag", "--network":
                index += 2
            case "--no-cache", "--pull", "--force-rm", "-q":
                index += 1
            default:
                if argument.hasPrefix("-") { return "docker build: option \(argument) is not checked" }
                context = argument
                index += 1
            }
        }
        return context == nil ? "docker build without a context" : nil
    }

    func dockerRunProblem(_ arguments: [String]) -> String? {
        let withValue: Set<String> = [
            "--name", "-p", "--publish", "-e", "--env", "-v", "--volume", "--user", "-u", "--gpus", "--network", "-w", "--workdir",
            "--env-file", "--restart",
        ]
        let flags: Set<String> = ["-d", "--detach", "--rm", "-i", "-t", "-it", "--init", "--read-only"]
        var index = 0
        while index < arguments.count, arguments[index].hasPrefix("-") {
            let option = arguments[index]
            if withValue.contains(option) {
                index += 2
            } else if flags.contains(option) || option.contains("=") {
                index += 1
            } else {
                return "docker run: option \(option) is not checked"
            }
        }
        guard index < arguments.count else { return "docker run without an image" }
        let command = Array(arguments[(index + 1)...])
        // What docker/entrypoint.sh does with the arguments after the image.
        guard let first = command.first else { return nil }
        if first == "serve" { return flowkitProblem(command) }
        if first.hasPrefix("-") { return flowkitProblem(["serve"] + command) }
        if entrypointSubcommands.contains(first) { return flowkitProblem(command) }
        if first == "flowkit" { return flowkitProblem(Array(command.dropFirst())) }
        if first == "mpirun" {
            // The runtime stage installs Open MPI's launcher (openmpi-bin).
            guard imageHasMPIRun else { return "docker run: docker/Dockerfile installs no openmpi-bin, so the image has no mpirun" }
            return launcherProblem(first, Array(command.dropFirst()), LauncherOptions.mpirun)
        }
        if first == "bash" || first == "sh" { return nil }
        return "docker run: the image's entry point runs `\(first)` as a program, and the image has no such program (write `flowkit \(first)`?)"
    }

    /// `mpirun [options] command …` or `srun [options] command …`: each option must be one the
    /// launcher has (`options`), and the launched command checks out on its own.
    func launcherProblem(_ program: String, _ arguments: [String], _ options: LauncherOptions) -> String? {
        var index = 0
        while index < arguments.count, arguments[index].hasPrefix("-") {
            let option = arguments[index]
            let name = String(option.prefix { $0 != "=" })
            if let values = options.withValues[name] {
                index += option.contains("=") ? 1 : 1 + values
            } else if options.flags.contains(name) {
                index += 1
            } else {
                return "\(program): option \(option) is not checked (DocumentedCommandChecker's LauncherOptions)"
            }
        }
        guard index < arguments.count else { return "\(program) without a command to launch" }
        return problem(Array(arguments[index...]))
    }

    /// `kubectl … -f FILE`: the manifest must be in the repository.
    func kubectlProblem(_ arguments: [String]) -> String? {
        guard let flag = arguments.firstIndex(where: { $0 == "-f" || $0 == "--filename" }) else { return nil }
        guard flag + 1 < arguments.count else { return "kubectl: -f without a file" }
        let file = arguments[flag + 1]
        return FileManager.default.fileExists(atPath: root.appendingPathComponent(file).path) ? nil : "kubectl: no file \(file) in the repository"
    }

    func scriptProblem(_ path: String, _ arguments: [String]) -> String? {
        let relative = path.hasPrefix("./") ? String(path.dropFirst(2)) : path
        guard let text = try? String(contentsOf: root.appendingPathComponent(relative), encoding: .utf8) else {
            return "no script \(relative) in the repository"
        }
        for argument in arguments where argument.hasPrefix("--") {
            let flag = String(argument.prefix { $0 != "=" })
            if !text.contains(flag) { return "\(relative) does not mention the flag \(flag)" }
        }
        return nil
    }

    func swiftProblem(_ arguments: [String]) -> String? {
        // `swift format` (the toolchain's formatter, scripts/format-check.sh) has nothing of ours to check.
        if arguments.first == "format" { return nil }
        guard let subcommand = arguments.first, ["build", "test"].contains(subcommand) else { return "swift \(arguments.first ?? ""): not checked" }
        var index = 0
        while index < arguments.count {
            defer { index += 1 }
            guard arguments[index] == "--filter", index + 1 < arguments.count else { continue }
            let pattern = arguments[index + 1]
            guard let regex = try? Regex(pattern) else { return "swift test: --filter \(pattern) is not a regular expression" }
            if !testNames.contains(where: { $0.contains(regex) }) { return "swift test: --filter \(pattern) matches no test target, suite or test" }
        }
        return nil
    }
}
