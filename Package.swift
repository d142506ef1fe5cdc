// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "flowkit",
    products: [
        .executable(name: "flowkit", targets: ["flowkit"]),
        .library(name: "FlowRuntime", targets: ["FlowRuntime"]),
        .library(name: "FlowLayers", targets: ["FlowLayers"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // The training service (`flowkit serve`): HTTP, job store, metrics, logging, hashing.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.25.0"),
        // The PostgreSQL job store (`flowkit serve --database postgresql://…`): several hosts, one queue.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // TLS of the store's start-up connection (`sslmode=prefer|require`); postgres-nio builds on it already.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.25.0"),
    ],
    targets: [
        // C libraries from Debian: the OpenCL ICD loader, OpenBLAS and zlib.
        .systemLibrary(
            name: "COpenCL",
            path: "Sources/COpenCL",
            providers: [.apt(["ocl-icd-opencl-dev", "opencl-headers"])]
        ),
        .systemLibrary(
            name: "CBLAS",
            path: "Sources/CBLAS",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Open MPI (data-parallel training, FlowDistributed): mpi.h and libmpi through pkg-config
        // `ompi-c`; CMPIShim wraps the calls, whose handles are macros Swift cannot import.
        .systemLibrary(
            name: "CMPI",
            path: "Sources/CMPI",
            pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev"])]
        ),
        .target(name: "CMPIShim", dependencies: ["CMPI"]),
        // The ranks of a data-parallel job (`mpirun -np N flowkit train`) and the exact exchange of
        // micro-batch gradients between them; a process not launched by MPI is rank 0 of 1.
        .target(name: "FlowDistributed", dependencies: ["CMPIShim"]),
        // The same exchange over NCCL between CUDA devices (opened at run time, like the CUDA
        // driver); CNCCLShim passes NCCL's 128-byte unique id by value, which Swift cannot.
        .target(name: "CNCCLShim"),
        .target(name: "FlowNCCL", dependencies: ["CNCCLShim", "FlowDistributed", "FlowCUDA", "FlowKernelDevice"]),
        // The OpenCL C sources, embedded into the binary at build time.
        .target(
            name: "FlowKernels",
            path: "Kernels",
            resources: [
                .embedInCode("common.cl"),
                .embedInCode("gemm.cl"),
                .embedInCode("conv.cl"),
                .embedInCode("coupling.cl"),
                .embedInCode("spline.cl"),
                .embedInCode("mixture.cl"),
                .embedInCode("reduce.cl"),
                .embedInCode("elementwise.cl"),
                .embedInCode("channel.cl"),
                .embedInCode("layout.cl"),
                .embedInCode("adam.cl"),
                .embedInCode("random.cl"),
            ]
        ),
        // The runtime, one target per backend. FlowCore is the contract every backend implements
        // (the `Device` protocol, `Tensor`, the op specs, the device catalog) and depends on no
        // backend; each backend depends only on FlowCore and its own C library; FlowRuntime
        // registers the backends with the catalog and re-exports them all. Targets that import
        // FlowRuntime also list FlowCore: the build tracks only direct dependencies' modules, and
        // a change to the contract must rebuild every module compiled against it.
        .target(name: "FlowCore"),
        .target(name: "FlowCPU", dependencies: ["FlowCore", "CBLAS"]),
        // What the kernel backends (OpenCL, CUDA) share over the same kernel sources: the op →
        // kernel mapping written once (`KernelDevice`, generic over a small `KernelRuntime` each
        // backend implements), the per-device tuning values passed to the kernel compiler, the
        // on-disk program binary cache, and vendor libraries opened at run time (NVRTC, CLBlast,
        // the CUDA driver) so that none is a link-time dependency.
        .target(name: "FlowKernelDevice", dependencies: ["FlowCore", "FlowKernels"]),
        .target(name: "FlowOpenCL", dependencies: ["FlowCore", "FlowKernelDevice", "COpenCL", "FlowKernels"]),
        .target(name: "FlowCUDA", dependencies: ["FlowCore", "FlowKernelDevice", "FlowKernels"]),
        .target(
            name: "FlowRuntime",
            dependencies: ["FlowCore", "FlowCPU", "FlowOpenCL", "FlowCUDA"]
        ),
        .target(
            name: "FlowLayers",
            dependencies: ["FlowCore", "FlowRuntime"]
        ),
        .target(
            name: "FlowTraining",
            dependencies: ["FlowLayers", "FlowCore", "FlowRuntime", "CZlib", "FlowDistributed"],
            exclude: ["Data/Digits/README.md"],
            // The built-in 8×8 digits, one byte per pixel (Data/Digits/README.md).
            resources: [.embedInCode("Data/Digits/digits-8x8.u8")]
        ),
        .target(
            name: "FlowTestSupport",
            dependencies: ["FlowCore", "FlowRuntime"]
        ),
        // `flowkit check`: the conformance suite shipped in the binary (op cases against the
        // references and tolerances of FlowTestSupport, RNG, determinism, kernel builds, training).
        .target(
            name: "FlowCheck",
            dependencies: ["FlowCore", "FlowRuntime", "FlowKernels", "FlowLayers", "FlowTraining", "FlowTestSupport"]
        ),
        // `flowkit bench`: the benchmark workloads W1–W5 of bench/WORKLOADS.md and their
        // measurement protocol, the kernel benchmarks and their yardsticks (OpenBLAS's bare sgemm,
        // CLBlast opened at run time). Only the CLI depends on it: no library module names a
        // benchmark.
        .target(
            name: "FlowBench",
            dependencies: [
                "FlowCore", "FlowRuntime", "FlowOpenCL", "FlowKernelDevice", "FlowLayers", "FlowTraining", "CBLAS", "COpenCL",
            ]
        ),
        .executableTarget(
            name: "flowkit",
            dependencies: [
                "FlowBench",
                "FlowCheck",
                "FlowKernelDevice",
                "FlowCore",
                "FlowRuntime",
                "FlowLayers",
                "FlowTraining",
                "FlowService",
                "FlowDistributed",
                "FlowNCCL",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The dashboard page (HTML, CSS, JS), embedded into the binary at build time.
        .target(
            name: "FlowDashboard",
            resources: [.embedInCode("dashboard.html")]
        ),
        // The training service: HTTP API, SQLite job store, scheduler of `flowkit train` children.
        .target(
            name: "FlowService",
            dependencies: [
                "FlowDashboard",
                "FlowTraining",
                "FlowLayers",
                "FlowCore",
                "FlowRuntime",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // The JSON body of a request the HTTP parser rejects (MalformedRequestHandler).
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ],
            // The API's one source document, served at /openapi.json and read by the route tests.
            resources: [.embedInCode("Resources/openapi.json")]
        ),
        .testTarget(
            name: "FlowRuntimeTests",
            dependencies: ["FlowCore", "FlowRuntime", "FlowOpenCL", "FlowCUDA", "FlowKernelDevice", "FlowKernels", "FlowTestSupport"]
        ),
        .testTarget(
            name: "FlowLayersTests",
            dependencies: ["FlowLayers", "FlowCore", "FlowRuntime", "FlowOpenCL", "FlowTestSupport"]
        ),
        .testTarget(
            name: "FlowTrainingTests",
            dependencies: ["FlowTraining", "FlowLayers", "FlowCore", "FlowRuntime", "FlowDistributed"]
        ),
        .testTarget(name: "FlowNCCLTests", dependencies: ["FlowNCCL", "FlowDistributed"]),
        .testTarget(
            name: "FlowBenchTests",
            dependencies: ["FlowBench", "FlowTraining", "FlowLayers", "FlowCore", "FlowRuntime", "FlowOpenCL", "FlowKernelDevice", "FlowTestSupport"]
        ),
        // Runs the built `flowkit` binary; depending on it makes `swift test` build it first.
        .testTarget(
            name: "FlowKitCLITests",
            dependencies: ["flowkit"]
        ),
        // Drives the service in process (HummingbirdTesting) and, where a test needs a process
        // (trainers, signals, restarts, the browser), the built `flowkit serve` over HTTP.
        .testTarget(
            name: "FlowServiceTests",
            dependencies: [
                "flowkit", "FlowService",
                // `app.test(.router)`: the routes driven in process, without a socket.
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                // The PostgreSQL store tests read the schema and migrations back (PostgresStoreTests).
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer harnesses, one per file format (Fuzz/). Declared only for scripts/fuzz.sh, which sets
// FLOWKIT_FUZZ=1 and builds them with --sanitize=fuzzer: they have no main of their own (libFuzzer
// supplies it), so a normal build must not see them.
if Context.environment["FLOWKIT_FUZZ"] == "1" {
    for name in ["NPY", "IDX", "CSV", "SafeTensors", "Config", "Manifest"] {
        package.targets.append(.executableTarget(name: "Fuzz\(name)", dependencies: ["FlowTraining"], path: "Fuzz/\(name)"))
    }
}
