import FlowTraining
import Foundation
import Testing

@testable import FlowService

/// The conformance check can fail: a real answer that passes is caught once its schema or the
/// answer itself is changed, and an unknown keyword or `$ref` is an error, not a pass.
@Suite struct JSONSchemaValidatorTests {
    /// `value` with `member` set to `replacement` (nil: removed), at the path of keys.
    static func changed(_ value: JSONValue, _ path: [String], to replacement: JSONValue?) -> JSONValue {
        guard case var .object(members) = value, let key = path.first else { return replacement ?? value }
        if path.count == 1 {
            members[key] = replacement
        } else if let inner = members[key] {
            members[key] = changed(inner, Array(path.dropFirst()), to: replacement)
        }
        return .object(members)
    }

    @Test func aMutatedSchemaOrAnswerIsCaught() async throws {
        try await InProcessServer.test(try InProcessServer.options("validator")) { client, _ in
            let served = try JSONDecoder().decode(JSONValue.self, from: try await client.get("/openapi.json").body)
            let contract = OpenAPIContract(document: served)
            let submitted = try await client.post("/v1/jobs", json: ["config": TestData.longConfig(), "name": "n"])
            #expect(contract.problems(submitted, "POST", "/v1/jobs").isEmpty)
            let job = try JSONDecoder().decode(JSONValue.self, from: submitted.body)
            let schema = JSONValue.object(["$ref": .string("#/components/schemas/Job")])
            #expect(contract.validator.problems(job, schema).isEmpty)

            // The schema changed: `step` a string, `name` not nullable, a required member the answer lacks.
            let jobPath = ["components", "schemas", "Job"]
            for (path, replacement) in [
                (jobPath + ["properties", "step", "type"], JSONValue.string("string")),
                (jobPath + ["properties", "status"], .object(["type": .string("string"), "enum": .array([.string("done")])])),
                (jobPath + ["required"], .array([.string("colour")])),
            ] {
                let mutated = OpenAPIContract(document: Self.changed(served, path, to: replacement))
                #expect(!mutated.problems(submitted, "POST", "/v1/jobs").isEmpty, "\(path) = \(replacement) passed")
            }
            let notNullable = JSONSchemaValidator(document: Self.changed(served, jobPath + ["properties", "loss", "nullable"], to: nil))
            #expect(!notNullable.problems(job, schema).isEmpty, "a null loss passed a schema that is not nullable")

            // The answer changed: a wrong type, an undocumented member, a status not documented.
            #expect(!contract.validator.problems(Self.changed(job, ["step"], to: .string("3")), schema).isEmpty)
            #expect(!contract.validator.problems(Self.changed(job, ["totalSteps"], to: .number(2.5)), schema).isEmpty)
            #expect(!contract.validator.problems(Self.changed(job, ["colour"], to: .string("red")), schema).isEmpty)
            #expect(!contract.validator.problems(Self.changed(job, ["createdAt"], to: .string("yesterday")), schema).isEmpty)
            let teapot = HTTPTestClient.Reply(status: 418, headers: submitted.headers, body: submitted.body)
            #expect(!contract.problems(teapot, "POST", "/v1/jobs").isEmpty)
            let html = HTTPTestClient.Reply(status: 201, headers: ["content-type": "text/html"], body: submitted.body)
            #expect(!contract.problems(html, "POST", "/v1/jobs").isEmpty)

            // An error body without its required code.
            let refused = try await client.get("/v1/jobs/NOT_AN_ID")
            #expect(contract.problems(refused, "GET", "/v1/jobs/{id}").isEmpty)
            let error = try JSONDecoder().decode(JSONValue.self, from: refused.body)
            let errorSchema = JSONValue.object(["$ref": .string("#/components/schemas/Error")])
            #expect(!contract.validator.problems(Self.changed(error, ["error", "code"], to: nil), errorSchema).isEmpty)

            // What the validator does not understand fails.
            #expect(!contract.validator.problems(job, .object(["oneOf": .array([])])).isEmpty)
            #expect(!contract.validator.problems(job, .object(["$ref": .string("#/components/schemas/Nothing")])).isEmpty)
        }
    }
}
