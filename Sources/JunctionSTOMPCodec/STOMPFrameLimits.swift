/// Bounds on what a peer may make us buffer, checked while a frame arrives, before it is complete.
public struct STOMPFrameLimits: Sendable, Hashable {
    /// Bytes of the command line plus all header lines (`stomp.max_header_bytes`).
    public var maxHeaderSectionSize: Int
    /// Header lines per frame (`stomp.max_headers`).
    public var maxHeaders: Int
    /// Body bytes per frame (`stomp.max_body_bytes`).
    public var maxBodySize: Int

    public init(maxHeaderSectionSize: Int = 64 * 1024, maxHeaders: Int = 256, maxBodySize: Int = 128 * 1024 * 1024) {
        self.maxHeaderSectionSize = maxHeaderSectionSize
        self.maxHeaders = maxHeaders
        self.maxBodySize = maxBodySize
    }

    /// These limits, with the header section and the body each capped at `maxFrameBytes`: what a
    /// peer that has not logged in may send (a CONNECT needs a few hundred bytes).
    public func beforeLogin(maxFrameBytes: Int) -> STOMPFrameLimits {
        STOMPFrameLimits(
            maxHeaderSectionSize: min(self.maxHeaderSectionSize, maxFrameBytes),
            maxHeaders: self.maxHeaders,
            maxBodySize: min(self.maxBodySize, maxFrameBytes)
        )
    }
}
