#ifndef CJUNCTION_MD5_H
#define CJUNCTION_MD5_H

#include <stddef.h>
#include <stdint.h>

/// How many messages `junction_md5_lanes` digests at once on this CPU: 8 with AVX2, else 0 (do not call it).
int junction_md5_lane_count(void);

/// The MD5 digests of `count` (1 to 8) messages at once, one per SIMD lane: message `i` is `lengths[i]` bytes
/// at `messages[i]`; its 16-byte digest is written to `digests + 16 * i`.
void junction_md5_lanes(const uint8_t *_Nonnull const *_Nonnull messages, const size_t *_Nonnull lengths,
                        size_t count, uint8_t *_Nonnull digests);

#endif
