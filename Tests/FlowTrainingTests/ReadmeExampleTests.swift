import FlowLayers
import FlowRuntime
import FlowTraining
import Foundation
import Testing

/// The docs against the code. The Swift examples of the docs run here, verbatim apart from the
/// test wrapper, and `docsSwiftBlocksAreTheseExamples` fails when a page's text differs from
/// them. The config key table of `docs/training.md` must list exactly the keys the parser reads,
/// every `json` block must be a config the parser accepts, and every relative link and anchor
/// must resolve. The shell commands are checked by `DocumentedCommandTests` (FlowServiceTests),
/// which can reach the CLI's own parser.
struct ReadmeExampleTests {
    @Test func swiftAPIExampleRuns() throws {
        // docs example: begin
        let device = try DeviceRegistry.defaultDevice()  // $FLOWKIT_DEVICE, else cpu
        var random = RandomStream(seed: 0)
        let flow = try RealNVP(features: 2, layers: 8, hidden: 128).makeFlow(random: &random, on: device)
        let adam = try Adam(parameters: flow.parameters)
        for _ in 0..<100 {
            let x = try Tensor(ToyDensity.banana.sample(512, random: &random), shape: [512, 2], on: device)
            flow.zeroGrad()
            let (loss, _) = try flow.meanNLLBackward(x)  // mean NLL; gradients in parameter.grad
            try adam.update(learningRate: 1e-3)
            _ = loss
        }
        let (samples, logProb) = try flow.sampleAndLogProb(100, random: &random, on: device)  // [100, 2], [100]
        // docs example: end
        #expect(samples.shape == [100, 2] && logProb.shape == [100])
        #expect(try logProb.toArray().allSatisfy(\.isFinite))
    }

    @Test func runtimeExampleRuns() throws {
        // docs example: begin
        let device = try DeviceRegistry.defaultDevice()  // or .device(named: "opencl")
        let x = try Tensor.random([512, 64], .normal, seed: 7, on: device)  // Philox: same numbers on every device
        let w = try Tensor.random([128, 64], .uniform, seed: 8, on: device)
        let b = try Tensor.zeros([128], on: device)
        let h = try x.linear(weight: w, bias: b)  // y = x · Wᵀ + b  (optional MADE mask)
        let (y, logDet) = try x.affineCoupling(shift: x, rawScale: x, scale: .expTanh, order: .scaleThenShift)
        let logp = try y.normalLogProb().applying(.add, logDet)  // per-sample, [512]
        print(try logp.mean().toArray())
        // docs example: end
        #expect(h.shape == [512, 128] && logp.shape == [512])
        #expect(try logp.toArray().allSatisfy(\.isFinite))
    }

    /// Every `swift` block of the README and `docs/` is one of the examples above, and each
    /// example is on a page. A block's `import` lines must be imports of this file.
    @Test func docsSwiftBlocksAreTheseExamples() throws {
        let source = try String(contentsOfFile: #filePath, encoding: .utf8)
        let examples = Self.examples(in: source)
        let imports = Set(source.split(separator: "\n").filter { $0.hasPrefix("import ") }.map(String.init))
        #expect(examples.count == 2, "the example markers of this file were not found")
        let blocks = try DocPages.blocks(language: "swift")
        #expect(!blocks.isEmpty, "no swift block in the docs")
        var shown: Set<String> = []
        for block in blocks {
            let lines = block.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let blockImports = lines.filter { $0.hasPrefix("import ") }
            for line in blockImports where !imports.contains(line) {
                Issue.record("\(block.page):\(block.line): `\(line)` is not imported by ReadmeExampleTests.swift")
            }
            let code = lines.filter { !$0.hasPrefix("import ") }.drop { $0.trimmingCharacters(in: .whitespaces).isEmpty }.joined(separator: "\n")
            if examples.contains(code) {
                shown.insert(code)
            } else {
                Issue.record("\(block.page):\(block.line): this swift block is not (verbatim) an example that ReadmeExampleTests runs")
            }
        }
        for example in examples where !shown.contains(example) {
            Issue.record("an example of ReadmeExampleTests is on no page of the docs:\n\(example)")
        }
    }

    /// The text between `// docs example: begin` and `// docs example: end`, less the function
    /// body's indentation.
    static func examples(in source: String) -> [String] {
        var examples: [String] = []
        var current: [Substring]?
        for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed == "// docs example: begin" {
                current = []
            } else if trimmed == "// docs example: end", let body = current {
                examples.append(body.map { $0.hasPrefix("        ") ? String($0.dropFirst(8)) : String($0) }.joined(separator: "\n"))
                current = nil
            } else {
                current?.append(line)
            }
        }
        return examples
    }

    /// The keys the config parser reads, by section, from its own answer to an unknown key
    /// ("known keys here: …"), so the list cannot drift from the parser.
    static func parsedKeys() throws -> [String] {
        let base = #""data": {"kind": "toy", "name": "banana"}"#
        let probes = [
            ("data", #"{"data": {"kind": "toy", "name": "banana", "zzUnknown": 1}}"#),
            ("model", "{\(base), \"model\": {\"zzUnknown\": 1}}"),
            ("train", "{\(base), \"train\": {\"zzUnknown\": 1}}"),
        ]
        var keys: [String] = []
        for (section, json) in probes {
            do {
                _ = try TrainingConfig.parse(Data(json.utf8))
                Issue.record("a config with an unknown key in \(section) was accepted")
            } catch let error as ConfigError {
                #expect(error.key == "\(section).zzUnknown", "\(error)")
                guard let range = error.message.range(of: "known keys here: ") else {
                    Issue.record("the unknown-key error no longer lists the known keys: \(error)")
                    continue
                }
                keys += error.message[range.upperBound...].split(separator: ",").map { "\(section).\($0.trimmingCharacters(in: .whitespaces))" }
            }
        }
        return keys
    }

    /// The keys named in the first column of the table under "Every key" in docs/training.md.
    static func documentedKeys() throws -> [String] {
        guard let page = try DocPages.pages().first(where: { $0.path == "docs/training.md" }) else {
            Issue.record("docs/training.md is missing")
            return []
        }
        let lines = page.lines
        guard let start = lines.firstIndex(where: { $0.hasPrefix("#") && $0.contains("Every key") }) else {
            Issue.record("docs/training.md has no heading \"Every key\"")
            return []
        }
        var keys: [String] = []
        for line in lines[(start + 1)...].drop(while: { !$0.hasPrefix("|") }).prefix(while: { $0.hasPrefix("|") }) {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false)
            guard cells.count > 1 else { continue }
            for match in cells[1].matches(of: /`((?:data|model|train)\.[A-Za-z]+)`/) { keys.append(String(match.output.1)) }
        }
        return keys
    }

    @Test func configTableListsExactlyTheParsedKeys() throws {
        let parsed = Set(try Self.parsedKeys())
        let documented = try Self.documentedKeys()
        #expect(parsed.count >= 40, "too few keys read from the parser: \(parsed.sorted())")
        #expect(Set(documented).count == documented.count, "a key is listed twice: \(documented)")
        #expect(parsed.subtracting(documented).isEmpty, "keys the parser reads but docs/training.md does not list: \(parsed.subtracting(documented).sorted())")
        #expect(
            Set(documented).subtracting(parsed).isEmpty,
            "keys docs/training.md lists but the parser does not read: \(Set(documented).subtracting(parsed).sorted())")
    }

    @Test func jsonBlocksAreConfigsTheParserAccepts() throws {
        let blocks = try DocPages.blocks(language: "json")
        #expect(!blocks.isEmpty, "no json block in the docs")
        for block in blocks {
            do {
                _ = try TrainingConfig.parse(Data(block.text.utf8))
            } catch {
                Issue.record("\(block.page):\(block.line): not a valid config: \(error)")
            }
        }
    }

    @Test func relativeLinksAndAnchorsResolve() throws {
        let pages = try DocPages.pages()
        #expect(pages.count >= 10, "README.md and the docs pages: \(pages.map(\.path))")
        let anchors = Dictionary(uniqueKeysWithValues: pages.map { ($0.path, DocLinks.anchors(of: $0)) })
        var checked = 0
        for page in pages {
            let folder = (page.path as NSString).deletingLastPathComponent
            for link in DocLinks.relativeLinks(of: page) {
                checked += 1
                let parts = link.target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                let file = parts[0].isEmpty ? page.path : ((folder as NSString).appendingPathComponent(parts[0]) as NSString).standardizingPath
                guard FileManager.default.fileExists(atPath: DocPages.root.appendingPathComponent(file).path) else {
                    Issue.record("\(link.page):\(link.line): \(link.target): no file \(file)")
                    continue
                }
                guard parts.count == 2 else { continue }
                guard let known = anchors[file] else {
                    Issue.record("\(link.page):\(link.line): \(link.target): anchors are checked only into README.md and docs/")
                    continue
                }
                if !known.contains(parts[1]) {
                    Issue.record("\(link.page):\(link.line): \(link.target): \(file) has no heading with the anchor #\(parts[1])")
                }
            }
        }
        #expect(checked >= 50, "too few links found: \(checked)")
    }

    /// The link checker itself finds a broken file, a broken anchor and a good one.
    @Test func linkCheckerTellsGoodFromBroken() {
        let page = DocPages.Page(path: "docs/x.md", text: "# A title (`x`)\n\n[ok](#a-title-x) [bad](#nope) `[code](nowhere.md)`\n")
        #expect(DocLinks.anchors(of: page) == ["a-title-x"])
        #expect(DocLinks.relativeLinks(of: page).map(\.target) == ["#a-title-x", "#nope"])
    }
}
