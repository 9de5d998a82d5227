// Byte scans over message bodies, 16 bytes per step with SSE2 (every x86-64 CPU has it), byte by byte
// elsewhere. Each SQS body is scanned on its way in (the body check) and out (the JSON string writer); the
// eight-bytes-per-step word arithmetic these replace was ~6% of the SQS loops' CPU.
#include "CJunctionByteScan.h"

#if defined(__SSE2__)
#include <emmintrin.h>

// A mask with bit i set when byte i of `v` is below 0x20 (unsigned): min(v, 0x1F) == v.
static inline __m128i below_space(__m128i v) {
    return _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v);
}
#endif

// The first byte at or after `start` that is a quote, a backslash or below 0x20, or DEL when `delete` is set,
// or from 0x80 up when `high` is set; `count` when there is none. Both flags are constants at each call, so
// the compiler makes one loop per public scan.
static inline size_t first_hit(const uint8_t *bytes, size_t count, size_t start, int delete, int high) {
    if (start >= count) return count;
    size_t index = start;
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8(0x22);
    const __m128i backslash = _mm_set1_epi8(0x5C);
    const __m128i del = _mm_set1_epi8(delete ? 0x7F : 0x22);
    const __m128i sign = _mm_set1_epi8(high ? (char)0x80 : 0);
    while (count - index >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(bytes + index));
        // A byte from 0x80 up has its sign bit set: `v & sign` marks it when `high` is set.
        __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                   _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, del), below_space(v)),
                                                _mm_and_si128(v, sign)));
        int mask = _mm_movemask_epi8(hit);
        if (mask != 0) return index + (size_t)__builtin_ctz((unsigned)mask);
        index += 16;
    }
#endif
    while (index < count) {
        uint8_t byte = bytes[index];
        if (byte < 0x20 || byte == 0x22 || byte == 0x5C || (delete && byte == 0x7F) || (high && byte >= 0x80)) {
            return index;
        }
        index += 1;
    }
    return count;
}

size_t junction_scan_first_special(const uint8_t *bytes, size_t count, size_t start, int delete) {
    return delete ? first_hit(bytes, count, start, 1, 0) : first_hit(bytes, count, start, 0, 0);
}

size_t junction_scan_first_not_plain_json(const uint8_t *bytes, size_t count) {
    return first_hit(bytes, count, 0, 1, 1);
}

int junction_scan_is_ascii(const uint8_t *bytes, size_t count) {
    size_t index = 0;
#if defined(__SSE2__)
    while (count - index >= 16) {
        if (_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(bytes + index))) != 0) return 0;
        index += 16;
    }
#endif
    while (index < count) {
        if (bytes[index] >= 0x80) return 0;
        index += 1;
    }
    return 1;
}

static inline int is_plain_byte(uint8_t byte) {
    return (byte >= 0x20 && byte < 0x80) || byte == 0x09 || byte == 0x0A || byte == 0x0D;
}

int junction_scan_is_plain_text(const uint8_t *bytes, size_t count) {
    size_t index = 0;
#if defined(__SSE2__)
    const __m128i tab = _mm_set1_epi8(0x09);
    const __m128i lf = _mm_set1_epi8(0x0A);
    const __m128i cr = _mm_set1_epi8(0x0D);
    while (count - index >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(bytes + index));
        __m128i allowed = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, tab), _mm_cmpeq_epi8(v, lf)),
                                       _mm_cmpeq_epi8(v, cr));
        // A control byte other than the three, or a byte from 0x80 up (its sign bit).
        __m128i bad = _mm_or_si128(_mm_andnot_si128(allowed, below_space(v)), v);
        if (_mm_movemask_epi8(bad) != 0) return 0;
        index += 16;
    }
#endif
    while (index < count) {
        if (!is_plain_byte(bytes[index])) return 0;
        index += 1;
    }
    return 1;
}
