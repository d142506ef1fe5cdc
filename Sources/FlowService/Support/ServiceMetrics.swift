import Foundation
import Prometheus

/// The service's Prometheus metrics: jobs per state (read from the store at each scrape), busy
/// slots per device, jobs started and finished, uploads; and the HTTP requests (`RequestMetrics`).
/// Every family has a help text, counters end in `_total` and durations in `_seconds`, so the
/// text passes `promtool check metrics`.
public final class ServiceMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let requests: RequestMetrics
    let started: Counter
    let uploads: Counter
    let uploadBytes: Counter

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        requests = RequestMetrics(registry: registry)
        started = registry.makeCounter(descriptor: Self.name("jobs_started", "total", "Trainer child processes started"))
        uploads = registry.makeCounter(descriptor: Self.name("dataset_uploads", "total", "Data sets accepted"))
        uploadBytes = registry.makeCounter(descriptor: Self.name("dataset_upload_bytes", "total", "Bytes of accepted data sets"))
    }

    func finished(_ status: JobStatus) {
        registry.makeCounter(
            descriptor: Self.name("jobs_finished", "total", "Trainer children that ended, by the job's new state"), labels: [("status", status.rawValue)]
        ).increment()
    }

    /// Sets the gauges that describe the present and renders everything as Prometheus text.
    func render(counts: [JobStatus: Int], busy: [String: Int], slots: Int) -> String {
        for status in JobStatus.allCases {
            registry.makeGauge(descriptor: Self.name("jobs", "", "Jobs in the store by state"), labels: [("status", status.rawValue)])
                .set(to: Double(counts[status] ?? 0))
        }
        for (device, count) in busy {
            registry.makeGauge(descriptor: Self.name("device_busy_slots", "", "Jobs running on the device"), labels: [("device", device)])
                .set(to: Double(count))
            registry.makeGauge(descriptor: Self.name("device_slots", "", "Jobs the device may run at once"), labels: [("device", device)])
                .set(to: Double(slots))
        }
        return registry.emitToString()
    }

    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "flowkit", metricName: metric, unitName: unit, helpText: help)
    }
}
