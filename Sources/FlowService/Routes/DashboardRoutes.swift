import FlowDashboard
import Hummingbird

/// `GET /`: the dashboard, one self-contained page (it calls the `/v1` API from the browser).
enum DashboardRoutes {
    static func register(_ routes: RouteRegistrar) {
        routes.on(.get, "/") { _, _ in
            JSONResponse.text(Dashboard.html, contentType: "text/html; charset=utf-8")
        }
    }
}
