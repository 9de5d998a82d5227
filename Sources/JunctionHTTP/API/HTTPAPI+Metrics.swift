import NIOCore
import NIOHTTP1

extension HTTPAPI {
    /// The Prometheus text exposition of `/metrics`. Served before authentication while
    /// `http.metrics_public` is true (Prometheus scrapes without credentials); otherwise through the
    /// API, to users with a management-read tag.
    func metrics() -> HTTPResponse {
        let text = self.state.metrics.scrape(
            broker: self.broker,
            leasedMessages: self.state.leases.count,
            watermarkBytes: self.configuration.memoryWatermarkBytes,
            dataDirectory: self.configuration.dataDirectory,
            diskFreeLimitBytes: self.configuration.diskFreeLimitBytes
        )
        return HTTPResponse(
            status: .ok,
            headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
            body: ByteBuffer(bytes: text)
        )
    }
}
