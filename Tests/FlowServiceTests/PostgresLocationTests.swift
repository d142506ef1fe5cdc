import Testing

@testable import FlowService

/// `--database` URLs: the forms libpq writes, and each mistake named.
@Suite struct PostgresLocationTests {
    @Test func tcpAndSocketForms() throws {
        let tcp = try PostgresLocation(url: "postgresql://flow@db.example:6543/jobs", password: "p")
        #expect(tcp.endpoint == .tcp(host: "db.example", port: 6543) && tcp.user == "flow" && tcp.database == "jobs" && tcp.tls == .prefer)
        #expect(tcp.password == "p" && tcp.description == "postgresql://flow@db.example:6543/jobs")
        let plain = try PostgresLocation(url: "postgres://flow@127.0.0.1/jobs?sslmode=disable", password: nil)
        #expect(plain.endpoint == .tcp(host: "127.0.0.1", port: 5432) && plain.tls == .disable)
        let six = try PostgresLocation(url: "postgresql://flow@[::1]:5433/jobs?sslmode=require", password: nil)
        #expect(six.endpoint == .tcp(host: "::1", port: 5433) && six.tls == .require && six.description.contains("[::1]:5433"))
        let socket = try PostgresLocation(url: "postgresql://flow@/jobs?host=/run/postgresql", password: nil)
        #expect(socket.endpoint == .socket(path: "/run/postgresql/.s.PGSQL.5432"))
        let encoded = try PostgresLocation(url: "postgresql://flow@%2Ftmp%2Fpg:5444/jobs", password: nil)
        #expect(encoded.endpoint == .socket(path: "/tmp/pg/.s.PGSQL.5444"))
        let portParameter = try PostgresLocation(url: "postgresql://flow@/jobs?host=/tmp/pg/&port=5999", password: nil)
        #expect(portParameter.endpoint == .socket(path: "/tmp/pg/.s.PGSQL.5999"))
    }

    @Test(arguments: [
        ("sqlite:///x.db", "scheme must be postgresql://"),
        ("postgresql://db.example/jobs", "no user"),
        ("postgresql://flow@db.example", "no database name"),
        ("postgresql://flow@db.example/", "no database name"),
        ("postgresql://flow@/jobs", "no host"),
        ("postgresql://flow@db.example:70000/jobs", "not in 1...65535"),
        ("postgresql://flow@db.example/jobs?sslmode=verify-full", "sslmode verify-full is not one of disable, prefer, require"),
        ("postgresql://flow@db.example/jobs?application_name=x", "unknown parameter application_name"),
        ("postgresql://flow@/jobs?host=/tmp&port=abc", "port abc is not a number"),
    ])
    func mistakesAreNamed(url: String, expected: String) {
        #expect {
            _ = try PostgresLocation(url: url, password: nil)
        } throws: { error in
            "\(error)".contains(expected) && "\(error)".contains("--database")
        }
    }

    /// A password in the URL would show in the process list: refused, and not repeated.
    @Test func aPasswordInTheURLIsRefused() {
        #expect {
            _ = try PostgresLocation(url: "postgresql://flow:s3cret@db.example/jobs", password: nil)
        } throws: { error in
            "\(error)".contains("FLOWKIT_DATABASE_PASSWORD") && !"\(error)".contains("s3cret")
        }
        #expect(PostgresLocation.redacted("postgresql://flow:s3cret@db/x") == "postgresql://flow:***@db/x")
    }
}
