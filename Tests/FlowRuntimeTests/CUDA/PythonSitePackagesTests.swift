import Testing

@testable import FlowCUDA

/// The site-packages folders found without running Python, on a made-up tree.
@Suite struct PythonSitePackagesTests {
    static let tree: [String: [String]] = [
        "/venv/lib": ["python3.12"],
        "/venv/lib/python3.12": ["site-packages"],
        "/usr/local/lib": ["python3.10", "python3.12", "libfoo.so", "python2.7"],
        "/usr/local/lib/python3.12": ["dist-packages", "site-packages"],
        "/usr/local/lib/python3.10": ["dist-packages"],
        "/usr/lib": ["python3", "python3.11"],
        "/usr/lib/python3": ["dist-packages"],
        "/usr/lib/python3.11": ["lib-dynload"],
    ]

    @Test func everyPython3VersionsPackagesFolderThatExists() {
        let folders = PythonSitePackages.folders(prefixes: ["/venv", "/usr/local", "/usr", "/missing"]) { Self.tree[$0] ?? [] }
        #expect(
            folders == [
                "/venv/lib/python3.12/site-packages",
                "/usr/local/lib/python3.12/site-packages", "/usr/local/lib/python3.12/dist-packages",
                "/usr/local/lib/python3.10/dist-packages",
                "/usr/lib/python3/dist-packages",
            ])
    }

    @Test func anActiveEnvironmentComesFirst() {
        let prefixes = PythonSitePackages.prefixes(environment: ["VIRTUAL_ENV": "/v", "HOME": "/home/u", "CONDA_PREFIX": ""])
        #expect(prefixes == ["/v", "/home/u/.local", "/usr/local", "/usr", "/opt/conda"])
    }
}
