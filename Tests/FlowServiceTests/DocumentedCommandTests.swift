import Foundation
import Testing

/// Every command in the `sh` blocks of the README and `docs/` is checked against this checkout
/// (`DocumentedCommandChecker` says how), so a renamed flag, route, stage or script makes this
/// fail until the docs follow. Synopses with placeholders and output go into `text` blocks.
struct DocumentedCommandTests {
    @Test func everyDocumentedCommandChecksOut() throws {
        let checker = try DocumentedCommandChecker(routes: try RouteListing.routes())
        var counts: [String: Int] = [:]
        for page in try DocPages.pages() {
            // Variables assigned in one block (S=…, JOB=…) stay set for the page's later blocks.
            var shell = ShellScript()
            for block in DocPages.blocks(of: page) where block.language == "sh" {
                let commands: [ShellCommand]
                do {
                    commands = try shell.commands(block.text, firstLine: block.line + 1)
                } catch {
                    Issue.record("\(page.path):\(block.line): \(error)")
                    continue
                }
                for command in commands {
                    counts[page.path, default: 0] += 1
                    if let problem = checker.problem(command.words) {
                        Issue.record("\(page.path):\(command.line): \(problem)\n    \(command.words.joined(separator: " "))")
                    }
                }
            }
        }
        let total = counts.values.reduce(0, +)
        #expect(total >= 100, "only \(total) commands found: \(counts)")
        let pages = [
            "README.md", "docs/training.md", "docs/service.md", "docs/docker.md", "docs/devices.md", "docs/performance.md", "docs/development.md",
            "docs/distributed.md",
        ]
        for page in pages {
            #expect(counts[page, default: 0] > 0, "\(page) has no checked command")
        }
    }

    /// Each of these is wrong in one way the checker must name; the good ones pass.
    @Test func theCheckerFindsBrokenCommands() throws {
        let checker = try DocumentedCommandChecker(routes: try RouteListing.routes())
        let broken = [
            "flowkit train --stepz 5 --run-dir r",
            "flowkit sample --run-dir r -n 0 --out s.csv",
            "flowkit jobs show 'not an id'",
            "curl http://127.0.0.1:8080/v1/nope",
            "curl -X PUT http://127.0.0.1:8080/v1/jobs",
            "docker build -f docker/Dockerfile --target nope .",
            "docker build -f docker/Dockerfile --build-arg NOPE=1 .",
            "docker run --rm flowkit:gpu check",
            "docker run --rm flowkit train --stepz 5 --run-dir r",
            "bash scripts/no-such-script.sh",
            "bash scripts/fuzz.sh --no-such-flag",
            "swift test -c release --filter NoSuchSuiteAnywhere",
            "frobnicate --now",
        ]
        let good = [
            "flowkit train --run-dir runs/banana --resume",
            "curl -X POST http://127.0.0.1:8080/v1/jobs/job-1/pause",
            "docker build -f docker/Dockerfile --target gpu -t flowkit:gpu .",
            "docker run --rm --gpus all flowkit:gpu flowkit check --device opencl:0",
            "bash scripts/gpu-check.sh --include-cpu-devices --quick",
            "swift test -c release --filter 'GemmTests|ConvTests'",
            "swift format format -i -r Sources Tests Package.swift",
        ]
        for text in broken {
            var shell = ShellScript()
            let commands = try shell.commands(text, firstLine: 1)
            #expect(commands.count == 1 && checker.problem(commands[0].words) != nil, "not caught: \(text)")
        }
        for text in good {
            var shell = ShellScript()
            let commands = try shell.commands(text, firstLine: 1)
            #expect(
                commands.count == 1 && checker.problem(commands[0].words) == nil,
                "refused: \(text): \(commands.first.flatMap { checker.problem($0.words) } ?? "")")
        }
    }

    @Test func shellReaderSplitsExpandsAndRefuses() throws {
        var shell = ShellScript()
        let commands = try shell.commands(
            """
            S=http://127.0.0.1:8080   # the server
            JOB=$(flowkit jobs submit c.json) && curl "$S/v1/jobs/$JOB" \\
                -H 'Accept: text/csv' > out.csv 2>/dev/null
            echo '{"a":
              1}' | cat
            """, firstLine: 10)
        #expect(
            commands.map(\.words) == [
                ["S=http://127.0.0.1:8080"],
                ["flowkit", "jobs", "submit", "c.json"],
                ["JOB=x-0"],
                ["curl", "http://127.0.0.1:8080/v1/jobs/x-0", "-H", "Accept: text/csv"],
                ["echo", "{\"a\":\n  1}"],
                ["cat"],
            ])
        #expect(commands.map(\.line) == [10, 11, 11, 11, 13, 14])
        for refused in ["cat <<EOF\nx\nEOF", "echo `date`", "(cd x && ls)", "echo 'open"] {
            var reader = ShellScript()
            #expect(throws: ShellSyntaxError.self, "\(refused)") { _ = try reader.commands(refused, firstLine: 1) }
        }
    }
}
