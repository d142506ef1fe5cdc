import Hummingbird

/// Ids from the URL, validated before any use (`^[a-z0-9-]{1,64}$`).
enum PathParameters {
    static func id(_ context: BasicRequestContext, _ name: String = "id", what: String) throws -> String {
        guard let value = context.parameters.get(name), Identifier.isValid(value) else {
            throw APIError.badRequest("\(what) id must be 1 to 64 of a-z, 0-9 and '-'")
        }
        return value
    }
}
