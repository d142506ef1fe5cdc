import Foundation

/// The dashboard page served at `/`: plain HTML, CSS and JavaScript embedded in the binary
/// (no CDN, no build step), talking to the same server's `/v1` API.
public enum Dashboard {
    public static var html: String { String(decoding: PackageResources.dashboard_html, as: UTF8.self) }
}
