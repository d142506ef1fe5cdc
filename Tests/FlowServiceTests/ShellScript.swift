/// One simple command of a documented shell block: its words after quote removal and expansion.
struct ShellCommand: Equatable {
    let words: [String]
    /// The 1-based line of the page the command starts on.
    let line: Int
}

/// A refused or broken piece of shell, with the page line it is on.
struct ShellSyntaxError: Error, CustomStringConvertible {
    let line: Int
    let message: String
    var description: String { "line \(line): \(message)" }
}

/// Reads the shell of the docs' `sh` blocks into simple commands, as far as a check needs:
/// quotes, backslash escapes and line continuations, comments, the separators `;`, `&&`, `||`,
/// `|`, `&` and newlines, redirections (dropped with their target), `$NAME` and `${NAME}` (from
/// the assignments seen so far, else a placeholder), and `$(…)`, whose commands are read and
/// returned too while the word gets the placeholder. What it cannot follow (heredocs, backquotes,
/// subshells, process substitution) is an error, so a documented command is never skipped
/// silently.
struct ShellScript {
    /// Stands for a value the docs cannot know (a job id printed by an earlier command): a valid
    /// id, path segment and file name.
    static let placeholder = "x-0"

    /// The variables assigned by earlier commands (`S=http://…`, `export FLOWKIT_TOKEN=…`).
    private(set) var variables: [String: String] = [:]

    private var characters: [Character] = []
    private var index = 0
    private var line = 1

    /// The commands of `source`, whose first line is line `firstLine` of its page.
    mutating func commands(_ source: String, firstLine: Int) throws -> [ShellCommand] {
        var reader = ShellScript()
        reader.variables = variables
        reader.characters = Array(source)
        reader.line = firstLine
        let commands = try reader.readAll(until: nil)
        variables = reader.variables
        return commands
    }

    private var current: Character? { index < characters.count ? characters[index] : nil }
    private func peek(_ offset: Int = 1) -> Character? { index + offset < characters.count ? characters[index + offset] : nil }

    /// Reads commands up to the end, or up to the `)` that closes a `$(`.
    private mutating func readAll(until closing: Character?) throws -> [ShellCommand] {
        var commands: [ShellCommand] = []
        var words: [String] = []
        var word = ""
        var inWord = false
        var dropNextWord = false
        var startLine = line

        func endWord() {
            guard inWord else { return }
            if dropNextWord { dropNextWord = false } else { words.append(word) }
            word = ""
            inWord = false
        }
        func endCommand() {
            endWord()
            if !words.isEmpty {
                commands.append(ShellCommand(words: words, line: startLine))
                recordAssignments(words)
            }
            words = []
            startLine = line
        }

        while let character = current {
            if words.isEmpty && !inWord && !character.isWhitespace { startLine = line }
            if let closing, character == closing {
                index += 1
                endCommand()
                return commands
            }
            switch character {
            case "\n":
                index += 1
                endCommand()
                line += 1
            case " ", "\t":
                index += 1
                endWord()
            case "#" where !inWord:
                while let next = current, next != "\n" { index += 1 }
            case "\\":
                if peek() == "\n" {
                    index += 2
                    line += 1
                    endWord()
                } else {
                    if let next = peek() { word.append(next) }
                    index += 2
                    inWord = true
                }
            case "'":
                index += 1
                while let next = current, next != "'" {
                    if next == "\n" { line += 1 }
                    word.append(next)
                    index += 1
                }
                guard current == "'" else { throw ShellSyntaxError(line: line, message: "unterminated single quote") }
                index += 1
                inWord = true
            case "\"":
                index += 1
                try readDoubleQuoted(into: &word, commands: &commands)
                inWord = true
            case "$":
                try readExpansion(into: &word, commands: &commands)
                inWord = true
            case ";":
                index += 1
                endCommand()
            case "&", "|":
                index += peek() == character ? 2 : 1
                endCommand()
            case ">", "<":
                // `2>`: the digits before a redirection are its file descriptor, not a word.
                if inWord, word.allSatisfy(\.isNumber) {
                    word = ""
                    inWord = false
                } else {
                    endWord()
                }
                if character == "<" && (peek() == "<" || peek() == "(") {
                    throw ShellSyntaxError(line: line, message: "heredocs and process substitution are not checked; write the command another way")
                }
                index += 1
                if let next = current, next == ">" || next == "&" { index += 1 }
                dropNextWord = true
            case "`", "(", ")":
                throw ShellSyntaxError(line: line, message: "`\(character)` (backquotes, subshells) is not checked; write the command another way")
            default:
                word.append(character)
                index += 1
                inWord = true
            }
        }
        if closing != nil { throw ShellSyntaxError(line: line, message: "unterminated $(") }
        endCommand()
        return commands
    }

    private mutating func readDoubleQuoted(into word: inout String, commands: inout [ShellCommand]) throws {
        while let character = current, character != "\"" {
            switch character {
            case "\\" where peek().map { "$`\"\\\n".contains($0) } == true:
                if let next = peek(), next != "\n" { word.append(next) } else { line += 1 }
                index += 2
            case "$":
                try readExpansion(into: &word, commands: &commands)
            case "`":
                throw ShellSyntaxError(line: line, message: "backquotes are not checked; use $(…)")
            default:
                if character == "\n" { line += 1 }
                word.append(character)
                index += 1
            }
        }
        guard current == "\"" else { throw ShellSyntaxError(line: line, message: "unterminated double quote") }
        index += 1
    }

    /// At a `$`: a variable, `${…}`, or `$(…)`.
    private mutating func readExpansion(into word: inout String, commands: inout [ShellCommand]) throws {
        index += 1
        switch current {
        case "(":
            guard peek() != "(" else { throw ShellSyntaxError(line: line, message: "arithmetic $((…)) is not checked") }
            index += 1
            commands += try readAll(until: ")")
            word += Self.placeholder
        case "{":
            var name = ""
            index += 1
            while let next = current, next != "}" {
                name.append(next)
                index += 1
            }
            guard current == "}" else { throw ShellSyntaxError(line: line, message: "unterminated ${") }
            index += 1
            let bare = String(name.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
            word += variables[bare] ?? Self.placeholder
        case let next? where next.isLetter || next == "_":
            var name = ""
            while let letter = current, letter.isLetter || letter.isNumber || letter == "_" {
                name.append(letter)
                index += 1
            }
            word += variables[name] ?? Self.placeholder
        case let next? where "?$!@#*0123456789".contains(next):
            index += 1
            word += Self.placeholder
        default:
            word.append("$")
        }
    }

    private mutating func recordAssignments(_ words: [String]) {
        let assignments = words.first == "export" ? Array(words.dropFirst()) : words
        guard assignments.allSatisfy(Self.isAssignment) else { return }
        for assignment in assignments {
            guard let equals = assignment.firstIndex(of: "=") else { continue }
            variables[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
        }
    }

    /// `NAME=value`, as a command's prefix or on its own.
    static func isAssignment(_ word: String) -> Bool {
        guard let equals = word.firstIndex(of: "="), equals != word.startIndex else { return false }
        let name = word[..<equals]
        return name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } && !(name.first?.isNumber ?? true)
    }
}
