import Crypto

/// Random version 4 UUIDs for message ids, request ids and move-task handles: one or more per message sent.
/// `SystemRandomNumberGenerator` (and swift-crypto's random keys) make a `getrandom` system call per 8
/// bytes, which was 3–4% of the SQS listener's CPU. The bits come instead from a ChaCha20 key stream
/// under a random 256-bit key, 4 KiB per refill (each refill a new nonce from a counter): still a
/// cryptographic generator, so ids stay unguessable. Confined to the engine loop with the listener state.
final class SQSIdentifiers {
    private static let refillBytes = 4096
    private static let zeros = [UInt8](repeating: 0, count: refillBytes)
    private let key = SymmetricKey(size: .bits256)
    private var refills: UInt64 = 0
    private var pool: [UInt8] = []
    private var position = 0

    /// A random UUID in its lowercase text form (`xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx`).
    func uuid() -> String {
        var (high, low) = self.next128()
        high = high & 0xFFFF_FFFF_FFFF_0FFF | 0x0000_0000_0000_4000
        low = low & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: 36) { output in
            var position = 0
            for nibble in 0..<32 {
                if nibble == 8 || nibble == 12 || nibble == 16 || nibble == 20 {
                    output[position] = UInt8(ascii: "-")
                    position += 1
                }
                let word = nibble < 16 ? high : low
                let value = Int(truncatingIfNeeded: word >> UInt64(60 - (nibble % 16) * 4)) & 15
                output[position] = digits.utf8Start[value]
                position += 1
            }
            return position
        }
    }

    private func next128() -> (UInt64, UInt64) {
        if self.position + 16 > self.pool.count { self.refill() }
        defer { self.position += 16 }
        return self.pool.withUnsafeBytes { raw in
            (
                raw.loadUnaligned(fromByteOffset: self.position, as: UInt64.self),
                raw.loadUnaligned(fromByteOffset: self.position + 8, as: UInt64.self)
            )
        }
    }

    private func refill() {
        self.refills += 1
        var nonce = [UInt8](repeating: 0, count: 12)
        withUnsafeBytes(of: self.refills.littleEndian) { nonce.replaceSubrange(0..<8, with: $0) }
        do {
            let sealed = try ChaChaPoly.seal(Self.zeros, using: self.key, nonce: ChaChaPoly.Nonce(data: nonce))
            self.pool = Array(sealed.ciphertext)
        } catch {
            // Not expected (the nonce has the right size): the system generator instead, 8 bytes a call.
            var generator = SystemRandomNumberGenerator()
            self.pool = (0..<Self.refillBytes / 8).flatMap { _ in
                withUnsafeBytes(of: generator.next() as UInt64) { Array($0) }
            }
        }
        self.position = 0
    }
}
