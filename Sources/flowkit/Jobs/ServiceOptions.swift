import ArgumentParser
import Foundation

/// `--server` and the token, shared by every `flowkit jobs` command.
struct ServiceOptions: ParsableArguments {
    @Option(name: .long, help: "The service's URL. Default: $FLOWKIT_SERVER, else http://127.0.0.1:8080.")
    var server: String?

    @Option(name: .long, help: "A file holding the bearer token. Default: $FLOWKIT_TOKEN.")
    var tokenFile: String?

    func client() throws -> ServiceClient {
        let environment = ProcessInfo.processInfo.environment
        var token = environment["FLOWKIT_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        if let tokenFile {
            guard let data = FileManager.default.contents(atPath: tokenFile) else {
                throw ValidationError("--token-file \(tokenFile): cannot read the file")
            }
            token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return try ServiceClient(server: server ?? environment["FLOWKIT_SERVER"] ?? "http://127.0.0.1:8080", token: token)
    }
}

/// A job id from the command line: the API's token format, so it never becomes a stray path.
func checkJobID(_ id: String) throws {
    guard !id.isEmpty, id.count <= 64, id.allSatisfy({ $0.isLetter && $0.isASCII || $0.isNumber || $0 == "-" }) else {
        throw ValidationError("'\(id)' is not a job id (letters, digits and '-', at most 64)")
    }
}
