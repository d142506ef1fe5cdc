import FlowTraining
import Foundation
import PostgresNIO

/// What went wrong talking to PostgreSQL, in words. PSQLError's own description is deliberately
/// vague (it could carry a query's values); the server's message, its SQLSTATE and the
/// connection error beneath are what say whether the server is down, the password is wrong or
/// the database does not exist.
enum PostgresErrorText {
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return ErrorText.describe(error) }
        if let info = error.serverInfo, let message = info[.message] {
            let state = info[.sqlState]
            switch state {
            case "28P01": return "the server refused the password for this user (\(message)); check FLOWKIT_DATABASE_PASSWORD or --database-password-file"
            case "28000": return "the server refused the login (\(message))"
            case "3D000": return "no such database (\(message))"
            default: return message + (state.map { " (SQLSTATE \($0))" } ?? "")
            }
        }
        switch error.code {
        case .connectionError:
            let reason = error.underlying.map { ErrorText.describe($0) } ?? "no reason given"
            return "the server is unreachable (\(reason))"
        case .authMechanismRequiresPassword:
            return "the server asks for a password and none was given: set FLOWKIT_DATABASE_PASSWORD or pass --database-password-file"
        case .sslUnsupported:
            return "the server does not offer TLS, which sslmode=require asks for"
        case .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
            return "the connection closed (\(error.code))"
        default:
            return "\(error.code)" + (error.underlying.map { ": \(ErrorText.describe($0))" } ?? "")
        }
    }
}
