import Logging

/// The store `flowkit serve` was asked for: PostgreSQL when `--database` names one, else SQLite
/// in the state directory (the single-host default).
enum StoreOpening {
    /// The PostgreSQL location the options name, nil for SQLite; checked before anything opens.
    static func postgresLocation(_ options: ServerOptions) throws -> PostgresLocation? {
        guard let database = options.database else { return nil }
        do {
            return try PostgresLocation(url: database, password: options.databasePassword)
        } catch let error as PostgresLocation.Invalid {
            throw FlowServer.StartError(description: error.description)
        }
    }

    static func open(_ options: ServerOptions, sqlitePath: String, logger: Logger) async throws -> any JobStore {
        if let location = try postgresLocation(options) {
            do {
                return try await PostgresJobStore.open(location, exclusive: true, logger: logger)
            } catch let error as PostgresJobStore.OpenError {
                throw FlowServer.StartError(description: error.description)
            }
        }
        do {
            return try SQLiteJobStore(path: sqlitePath)
        } catch {
            throw FlowServer.StartError(description: "cannot open the job store \(sqlitePath): \(error)")
        }
    }
}
