import Foundation

/// A minimal HTTP/1.1 client over a loopback socket, so the tests see exactly what the server
/// sends (status, headers, chunked bodies, early closes) and can read event streams piece by
/// piece. Every request uses `Connection: close`.
struct HTTPTestClient {
    struct Reply {
        let status: Int
        let headers: [String: String]
        let body: Data

        var text: String { String(decoding: body, as: UTF8.self) }

        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
        }

        /// `error.code` and `error.message` of an error body.
        var error: (code: String, message: String)? {
            guard let error = json["error"] as? [String: Any], let code = error["code"] as? String,
                let message = error["message"] as? String
            else { return nil }
            return (code, message)
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let port: Int
    var token: String?

    func get(_ path: String, headers: [String: String] = [:]) throws -> Reply {
        try request("GET", path, headers: headers)
    }

    func post(_ path: String, json: Any) throws -> Reply {
        let body = try JSONSerialization.data(withJSONObject: json)
        return try request("POST", path, headers: ["Content-Type": "application/json"], body: body)
    }

    func request(_ method: String, _ path: String, headers: [String: String] = [:], body: Data? = nil, timeout: Double = 60) throws -> Reply {
        try raw(head(method, path, headers: headers, bodyLength: body?.count) + (body ?? Data()), what: "\(method) \(path)", timeout: timeout)
    }

    /// Sends `bytes` as they are (a malformed request, say) and parses the answer.
    func raw(_ bytes: Data, what: String, timeout: Double = 60) throws -> Reply {
        let socket = try connect(timeout: timeout)
        defer { close(socket) }
        try send(socket, bytes)
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count > 0 {
                received.append(contentsOf: buffer[..<count])
            } else if count == 0 {
                break
            } else if errno == EINTR {
                continue
            } else {
                if received.isEmpty { throw Failure(description: "\(what): no answer (errno \(errno))") }
                break
            }
        }
        return try Self.parse(received, what: what)
    }

    /// Opens a request and reads the raw stream until `done` says enough or `timeout` passes;
    /// returns what arrived (head included).
    func stream(_ path: String, headers: [String: String], timeout: Double, until done: (String) -> Bool) throws -> String {
        let socket = try connect(timeout: 0.25)
        defer { close(socket) }
        try send(socket, head("GET", path, headers: headers, bodyLength: nil))
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count > 0 {
                received.append(contentsOf: buffer[..<count])
                if done(String(decoding: received, as: UTF8.self)) { break }
            } else if count == 0 {
                break
            }
        }
        return String(decoding: received, as: UTF8.self)
    }

    private func head(_ method: String, _ path: String, headers: [String: String], bodyLength: Int?) -> Data {
        var lines = ["\(method) \(path) HTTP/1.1", "Host: 127.0.0.1:\(port)", "Connection: close"]
        if let token { lines.append("Authorization: Bearer \(token)") }
        for (name, value) in headers { lines.append("\(name): \(value)") }
        if let bodyLength { lines.append("Content-Length: \(bodyLength)") }
        return Data((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
    }

    /// Connects to 127.0.0.1, else to ::1: a server bound to `localhost` (HummingbirdTesting's
    /// `.live`) may listen on either.
    private func connect(timeout: Double) throws -> Int32 {
        guard let socket = Self.connectIPv4(port: port) ?? Self.connectIPv6(port: port) else {
            throw Failure(description: "cannot connect to 127.0.0.1 or [::1] port \(port) (errno \(errno))")
        }
        var interval = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        return socket
    }

    private static func connectIPv4(port: Int) -> Int32? {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return connected(AF_INET, &address, size: MemoryLayout<sockaddr_in>.size)
    }

    private static func connectIPv6(port: Int) -> Int32? {
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = in_port_t(UInt16(port).bigEndian)
        address.sin6_addr = in6addr_loopback
        return connected(AF_INET6, &address, size: MemoryLayout<sockaddr_in6>.size)
    }

    private static func connected<Address>(_ family: Int32, _ address: inout Address, size: Int) -> Int32? {
        let socket = Glibc.socket(family, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return nil }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(size)) }
        }
        guard result == 0 else {
            close(socket)
            return nil
        }
        return socket
    }

    private func send(_ socket: Int32, _ data: Data) throws {
        var sent = 0
        let bytes = [UInt8](data)
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            // The server may answer (413) and close before the whole body is sent.
            if count <= 0 { return }
            sent += count
        }
    }

    static func parse(_ data: Data, what: String) throws -> Reply {
        let bytes = [UInt8](data)
        guard let end = bytes.indices.first(where: { $0 + 3 < bytes.count && bytes[$0...($0 + 3)].elementsEqual([13, 10, 13, 10]) }) else {
            throw Failure(description: "\(what): incomplete answer: \(String(decoding: bytes, as: UTF8.self))")
        }
        let head = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Failure(description: "\(what): bad status line \(head[0])") }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Data(bytes[(end + 4)...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = dechunk(body) }
        return Reply(status: status, headers: headers, body: body)
    }

    static func dechunk(_ data: Data) -> Data {
        let bytes = [UInt8](data)
        var index = 0
        var result = Data()
        while index < bytes.count {
            guard let lineEnd = (index..<bytes.count - 1).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 }) else { break }
            let sizeText = String(decoding: bytes[index..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size > 0 else { break }
            let start = lineEnd + 2
            guard start + size <= bytes.count else {
                result.append(contentsOf: bytes[start...])
                break
            }
            result.append(contentsOf: bytes[start..<(start + size)])
            index = start + size + 2
        }
        return result
    }
}
