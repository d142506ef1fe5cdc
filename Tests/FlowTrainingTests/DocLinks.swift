import Foundation

/// The relative links of the docs and the anchors their headings make, as GitHub renders them.
enum DocLinks {
    struct Link {
        let page: String
        let line: Int
        let target: String
    }

    /// `[text](target)` outside code blocks and inline code; web and mail links are left out.
    static func relativeLinks(of page: DocPages.Page) -> [Link] {
        var links: [Link] = []
        var inBlock = false
        let pattern = /\[[^\]]*\]\(([^)\s]+)\)/
        for (index, line) in page.lines.enumerated() {
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") {
                inBlock.toggle()
                continue
            }
            guard !inBlock else { continue }
            // Inline code may show link syntax without being a link.
            let prose = line.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 0 }.map(\.element).joined(
                separator: " ")
            for match in prose.matches(of: pattern) {
                let target = String(match.output.1)
                guard !target.contains("://"), !target.hasPrefix("mailto:") else { continue }
                links.append(Link(page: page.path, line: index + 1, target: target))
            }
        }
        return links
    }

    /// The anchors of a page's headings: lower case, only letters, digits, spaces, `-` and `_`
    /// kept, spaces as `-`, and `-1`, `-2`, … for repeats.
    static func anchors(of page: DocPages.Page) -> Set<String> {
        var seen: [String: Int] = [:]
        var anchors: Set<String> = []
        var inBlock = false
        for line in page.lines {
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") {
                inBlock.toggle()
                continue
            }
            guard !inBlock, line.hasPrefix("#") else { continue }
            let title = line.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces)
            let base = String(
                title.lowercased().unicodeScalars.filter { scalar in
                    CharacterSet.alphanumerics.contains(scalar) || scalar == " " || scalar == "-" || scalar == "_"
                }.map(Character.init)
            ).replacingOccurrences(of: " ", with: "-")
            let count = seen[base, default: 0]
            seen[base] = count + 1
            anchors.insert(count == 0 ? base : "\(base)-\(count)")
        }
        return anchors
    }
}
