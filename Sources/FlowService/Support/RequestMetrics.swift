import Prometheus

/// The HTTP request metrics, recorded by `RequestMetricsMiddleware` straight into the service's
/// Prometheus registry (swift-metrics, which Hummingbird's own middleware writes through, carries
/// no help text, and its counter names lack `_total`). Every answered request counts once in
/// `flowkit_http_requests_total` and, when its status is 4xx or 5xx, once in
/// `flowkit_http_request_errors_total` with the same labels, so the two agree for every error
/// status however the error was produced (a thrown error, a refused token, an unknown route).
final class RequestMetrics: Sendable {
    /// Label value of `route` for a request that matched no route (its path is not used: any
    /// client could fill the registry with made-up paths).
    static let unmatchedRoute = "unmatched"

    /// From a health probe (under a millisecond) to a large upload or a long sample request.
    static let durationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
    ]

    private let registry: PrometheusCollectorRegistry

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    /// The gauge of requests being answered (body included) with `method`.
    func active(method: String) -> Gauge {
        registry.makeGauge(
            descriptor: Self.name("http_active_requests", "", "HTTP requests being answered, their bodies still being written, by method"),
            labels: [("method", method)])
    }

    /// Counts one answered request and its duration (from its arrival to its body's last byte).
    func record(route: String, method: String, status: Int, duration: Duration) {
        let labels = [("route", route), ("method", method), ("status", String(status))]
        registry.makeCounter(
            descriptor: Self.name("http_requests", "total", "HTTP requests answered, by route template, method and status code"),
            labels: labels
        ).increment()
        if status >= 400 {
            registry.makeCounter(
                descriptor: Self.name(
                    "http_request_errors", "total", "HTTP requests answered with a 4xx or 5xx status, by route template, method and status code"),
                labels: labels
            ).increment()
        }
        registry.makeDurationHistogram(
            descriptor: Self.name(
                "http_request_duration", "seconds", "Time from a request's arrival to its answer's last byte, by route template, method and status code"),
            labels: labels, buckets: Self.durationBuckets
        ).record(duration)
    }

    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "flowkit", metricName: metric, unitName: unit, helpText: help)
    }
}
