import Foundation

/// The README and every page of `docs/`, read from the checkout, with their fenced code blocks:
/// what `ReadmeExampleTests` holds against the code.
struct DocPages {
    struct Page {
        /// Relative to the repository root: `README.md`, `docs/training.md`.
        let path: String
        let text: String
        var lines: [Substring] { text.split(separator: "\n", omittingEmptySubsequences: false) }
    }

    struct Block {
        let page: String
        /// 1-based line of the opening fence.
        let line: Int
        /// The fence's info string: `sh`, `swift`, `json`, `text`, or empty.
        let language: String
        let text: String
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `README.md` first, then `docs/*.md` sorted by name.
    static func pages() throws -> [Page] {
        let docs = root.appendingPathComponent("docs")
        let names = try FileManager.default.contentsOfDirectory(atPath: docs.path).filter { $0.hasSuffix(".md") }.sorted()
        return try (["README.md"] + names.map { "docs/\($0)" }).map { path in
            Page(path: path, text: try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8))
        }
    }

    /// Every fenced block (```` ```lang ```` … ```` ``` ````) of a page.
    static func blocks(of page: Page) -> [Block] {
        var blocks: [Block] = []
        var open: (line: Int, language: String, body: [Substring])?
        for (index, line) in page.lines.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if var current = open {
                if trimmed == "```" {
                    blocks.append(Block(page: page.path, line: current.line, language: current.language, text: current.body.joined(separator: "\n")))
                    open = nil
                } else {
                    current.body.append(line)
                    open = current
                }
            } else if trimmed.hasPrefix("```") {
                open = (index + 1, String(trimmed.dropFirst(3)).trimmingCharacters(in: .whitespaces), [])
            }
        }
        return blocks
    }

    static func blocks(language: String) throws -> [Block] {
        try pages().flatMap(blocks(of:)).filter { $0.language == language }
    }
}
