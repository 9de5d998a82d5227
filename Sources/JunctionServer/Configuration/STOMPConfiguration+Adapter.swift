import JunctionSTOMP
import JunctionSTOMPCodec

extension STOMPConfiguration {
    /// The listener's view of the `stomp` section; `anonymous` is the configured account of
    /// `stomp.anonymous_user` (nil, or `allow_anonymous: false`, makes `login` required).
    func adapterConfiguration(anonymous: UserConfiguration?) -> STOMPAdapterConfiguration {
        let heartbeat = Duration.milliseconds(self.heartbeatMilliseconds)
        let defaultUser = self.allowAnonymous ? anonymous : nil
        return STOMPAdapterConfiguration(
            limits: STOMPFrameLimits(
                maxHeaderSectionSize: self.maxHeaderBytes,
                maxHeaders: self.maxHeaders,
                maxBodySize: self.maxBodyBytes
            ),
            heartbeatSendEvery: heartbeat,
            heartbeatExpectEvery: heartbeat,
            defaultLogin: defaultUser?.name,
            defaultPasscode: defaultUser?.password,
            connectTimeout: self.connectTimeout
        )
    }
}
