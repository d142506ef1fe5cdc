/// The API as an OpenAPI 3.0 document: `Resources/openapi.json`, embedded at build time and
/// served at `/openapi.json` as it is. It is the contract: a route change changes the file, and
/// the tests check that every registered route is in it (and only those) and that every
/// route's answers, status codes and JSON bodies, conform to its schemas.
enum OpenAPIDocument {
    static var bytes: [UInt8] { PackageResources.openapi_json }
}
