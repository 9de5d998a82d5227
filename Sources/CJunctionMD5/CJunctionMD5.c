// MD5 of up to eight messages at once, one per 32-bit lane of an AVX2 vector. An SQS answer digests every
// message body it carries (MD5OfMessageBody on a send, MD5OfBody on a receive, up to ten per batch), and MD5
// is serial within one message: one message at a time was the largest single item of the SQS loops' CPU.
// Eight lanes do eight blocks in about the time of two. Lanes whose message has fewer blocks keep their state
// once they are done (a mask per block). The vector type is the compiler's vector extension, compiled for
// AVX2 by the target attribute and chosen at run time.
#include "CJunctionMD5.h"

#include <string.h>

#if defined(__x86_64__)

#include <immintrin.h>

typedef uint32_t lanes_t __attribute__((vector_size(32)));

int junction_md5_lane_count(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? 8 : 0;
}

static const uint32_t round_constants[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

#define F(x, y, z) (((x) & (y)) | (~(x) & (z)))
#define G(x, y, z) (((z) & (x)) | (~(z) & (y)))
#define H(x, y, z) ((x) ^ (y) ^ (z))
#define I(x, y, z) ((y) ^ ((x) | ~(z)))
#define STEP(f, a, b, c, d, word, rotation, step)                                  \
    do {                                                                         \
        lanes_t sum = a + f(b, c, d) + round_constants[step] + words[word];      \
        a = b + ((sum << (rotation)) | (sum >> (32 - (rotation))));              \
    } while (0)

/// The padded end of one message: its last partial block, 0x80, zeros and the bit length (one or two blocks).
typedef struct {
    uint8_t bytes[128];
    size_t full_blocks;
    size_t blocks;
} md5_tail;

static void make_tail(const uint8_t *message, size_t length, md5_tail *tail) {
    size_t rest = length % 64;
    tail->full_blocks = length / 64;
    size_t tail_blocks = rest + 9 <= 64 ? 1 : 2;
    tail->blocks = tail->full_blocks + tail_blocks;
    memset(tail->bytes, 0, sizeof(tail->bytes));
    if (rest > 0) memcpy(tail->bytes, message + 64 * tail->full_blocks, rest);
    tail->bytes[rest] = 0x80;
    uint64_t bits = (uint64_t)length * 8;
    for (int i = 0; i < 8; i++) tail->bytes[64 * tail_blocks - 8 + i] = (uint8_t)(bits >> (8 * i));
}

/// Rows of eight 32-bit words (one lane's words each) into columns (one word of every lane each).
__attribute__((target("avx2"))) static inline void transpose8x8(const __m256i *rows, lanes_t *columns) {
    __m256i t0 = _mm256_unpacklo_epi32(rows[0], rows[1]), t1 = _mm256_unpackhi_epi32(rows[0], rows[1]);
    __m256i t2 = _mm256_unpacklo_epi32(rows[2], rows[3]), t3 = _mm256_unpackhi_epi32(rows[2], rows[3]);
    __m256i t4 = _mm256_unpacklo_epi32(rows[4], rows[5]), t5 = _mm256_unpackhi_epi32(rows[4], rows[5]);
    __m256i t6 = _mm256_unpacklo_epi32(rows[6], rows[7]), t7 = _mm256_unpackhi_epi32(rows[6], rows[7]);
    // Within each 128-bit half: words 0 and 4 (u0), 1 and 5 (u1), 2 and 6 (u2), 3 and 7 (u3) of lanes 0–3,
    // and the same of lanes 4–7 (u4–u7).
    __m256i u0 = _mm256_unpacklo_epi64(t0, t2), u1 = _mm256_unpackhi_epi64(t0, t2);
    __m256i u2 = _mm256_unpacklo_epi64(t1, t3), u3 = _mm256_unpackhi_epi64(t1, t3);
    __m256i u4 = _mm256_unpacklo_epi64(t4, t6), u5 = _mm256_unpackhi_epi64(t4, t6);
    __m256i u6 = _mm256_unpacklo_epi64(t5, t7), u7 = _mm256_unpackhi_epi64(t5, t7);
    columns[0] = (lanes_t)_mm256_permute2x128_si256(u0, u4, 0x20);
    columns[1] = (lanes_t)_mm256_permute2x128_si256(u1, u5, 0x20);
    columns[2] = (lanes_t)_mm256_permute2x128_si256(u2, u6, 0x20);
    columns[3] = (lanes_t)_mm256_permute2x128_si256(u3, u7, 0x20);
    columns[4] = (lanes_t)_mm256_permute2x128_si256(u0, u4, 0x31);
    columns[5] = (lanes_t)_mm256_permute2x128_si256(u1, u5, 0x31);
    columns[6] = (lanes_t)_mm256_permute2x128_si256(u2, u6, 0x31);
    columns[7] = (lanes_t)_mm256_permute2x128_si256(u3, u7, 0x31);
}

__attribute__((target("avx2")))
void junction_md5_lanes(const uint8_t *_Nonnull const *_Nonnull messages, const size_t *_Nonnull lengths,
                        size_t count, uint8_t *_Nonnull digests) {
    static const uint8_t idle_block[64] = {0};
    md5_tail tails[8];
    size_t most_blocks = 0;
    for (size_t lane = 0; lane < 8; lane++) {
        if (lane < count) {
            make_tail(messages[lane], lengths[lane], &tails[lane]);
        } else {
            tails[lane].full_blocks = 0;
            tails[lane].blocks = 0;
        }
        if (tails[lane].blocks > most_blocks) most_blocks = tails[lane].blocks;
    }
    lanes_t a = {0}, b = {0}, c = {0}, d = {0};
    a += 0x67452301;
    b += 0xefcdab89;
    c += 0x98badcfe;
    d += 0x10325476;
    for (size_t block = 0; block < most_blocks; block++) {
        const uint8_t *source[8];
        // Built as scalars and loaded once: writing single lanes of a vector went through memory each time.
        uint32_t mask[8];
        for (int lane = 0; lane < 8; lane++) {
            const md5_tail *tail = &tails[lane];
            if (block < tail->full_blocks) {
                source[lane] = messages[lane] + 64 * block;
            } else if (block < tail->blocks) {
                source[lane] = tail->bytes + 64 * (block - tail->full_blocks);
            } else {
                source[lane] = idle_block;
            }
            mask[lane] = block < tail->blocks ? 0xffffffffu : 0;
        }
        lanes_t active;
        memcpy(&active, mask, sizeof(active));
        // Each lane's 16 words loaded as two rows of eight and transposed 8x8 into one vector per word: 16
        // loads and 48 shuffles a block instead of 128 single-lane inserts (x86 is little-endian, as MD5's words).
        lanes_t words[16];
        for (int half = 0; half < 2; half++) {
            __m256i rows[8];
            for (int lane = 0; lane < 8; lane++) {
                rows[lane] = _mm256_loadu_si256((const __m256i *)(source[lane] + 32 * half));
            }
            transpose8x8(rows, &words[8 * half]);
        }
        lanes_t aa = a, bb = b, cc = c, dd = d;
        // The 64 steps unrolled, so every rotation is by a constant and every word index is fixed.
        STEP(F, aa, bb, cc, dd, 0, 7, 0);
        STEP(F, dd, aa, bb, cc, 1, 12, 1);
        STEP(F, cc, dd, aa, bb, 2, 17, 2);
        STEP(F, bb, cc, dd, aa, 3, 22, 3);
        STEP(F, aa, bb, cc, dd, 4, 7, 4);
        STEP(F, dd, aa, bb, cc, 5, 12, 5);
        STEP(F, cc, dd, aa, bb, 6, 17, 6);
        STEP(F, bb, cc, dd, aa, 7, 22, 7);
        STEP(F, aa, bb, cc, dd, 8, 7, 8);
        STEP(F, dd, aa, bb, cc, 9, 12, 9);
        STEP(F, cc, dd, aa, bb, 10, 17, 10);
        STEP(F, bb, cc, dd, aa, 11, 22, 11);
        STEP(F, aa, bb, cc, dd, 12, 7, 12);
        STEP(F, dd, aa, bb, cc, 13, 12, 13);
        STEP(F, cc, dd, aa, bb, 14, 17, 14);
        STEP(F, bb, cc, dd, aa, 15, 22, 15);
        STEP(G, aa, bb, cc, dd, 1, 5, 16);
        STEP(G, dd, aa, bb, cc, 6, 9, 17);
        STEP(G, cc, dd, aa, bb, 11, 14, 18);
        STEP(G, bb, cc, dd, aa, 0, 20, 19);
        STEP(G, aa, bb, cc, dd, 5, 5, 20);
        STEP(G, dd, aa, bb, cc, 10, 9, 21);
        STEP(G, cc, dd, aa, bb, 15, 14, 22);
        STEP(G, bb, cc, dd, aa, 4, 20, 23);
        STEP(G, aa, bb, cc, dd, 9, 5, 24);
        STEP(G, dd, aa, bb, cc, 14, 9, 25);
        STEP(G, cc, dd, aa, bb, 3, 14, 26);
        STEP(G, bb, cc, dd, aa, 8, 20, 27);
        STEP(G, aa, bb, cc, dd, 13, 5, 28);
        STEP(G, dd, aa, bb, cc, 2, 9, 29);
        STEP(G, cc, dd, aa, bb, 7, 14, 30);
        STEP(G, bb, cc, dd, aa, 12, 20, 31);
        STEP(H, aa, bb, cc, dd, 5, 4, 32);
        STEP(H, dd, aa, bb, cc, 8, 11, 33);
        STEP(H, cc, dd, aa, bb, 11, 16, 34);
        STEP(H, bb, cc, dd, aa, 14, 23, 35);
        STEP(H, aa, bb, cc, dd, 1, 4, 36);
        STEP(H, dd, aa, bb, cc, 4, 11, 37);
        STEP(H, cc, dd, aa, bb, 7, 16, 38);
        STEP(H, bb, cc, dd, aa, 10, 23, 39);
        STEP(H, aa, bb, cc, dd, 13, 4, 40);
        STEP(H, dd, aa, bb, cc, 0, 11, 41);
        STEP(H, cc, dd, aa, bb, 3, 16, 42);
        STEP(H, bb, cc, dd, aa, 6, 23, 43);
        STEP(H, aa, bb, cc, dd, 9, 4, 44);
        STEP(H, dd, aa, bb, cc, 12, 11, 45);
        STEP(H, cc, dd, aa, bb, 15, 16, 46);
        STEP(H, bb, cc, dd, aa, 2, 23, 47);
        STEP(I, aa, bb, cc, dd, 0, 6, 48);
        STEP(I, dd, aa, bb, cc, 7, 10, 49);
        STEP(I, cc, dd, aa, bb, 14, 15, 50);
        STEP(I, bb, cc, dd, aa, 5, 21, 51);
        STEP(I, aa, bb, cc, dd, 12, 6, 52);
        STEP(I, dd, aa, bb, cc, 3, 10, 53);
        STEP(I, cc, dd, aa, bb, 10, 15, 54);
        STEP(I, bb, cc, dd, aa, 1, 21, 55);
        STEP(I, aa, bb, cc, dd, 8, 6, 56);
        STEP(I, dd, aa, bb, cc, 15, 10, 57);
        STEP(I, cc, dd, aa, bb, 6, 15, 58);
        STEP(I, bb, cc, dd, aa, 13, 21, 59);
        STEP(I, aa, bb, cc, dd, 4, 6, 60);
        STEP(I, dd, aa, bb, cc, 11, 10, 61);
        STEP(I, cc, dd, aa, bb, 2, 15, 62);
        STEP(I, bb, cc, dd, aa, 9, 21, 63);
        a = ((a + aa) & active) | (a & ~active);
        b = ((b + bb) & active) | (b & ~active);
        c = ((c + cc) & active) | (c & ~active);
        d = ((d + dd) & active) | (d & ~active);
    }
    for (size_t lane = 0; lane < count; lane++) {
        uint32_t state[4] = {a[lane], b[lane], c[lane], d[lane]};
        for (int i = 0; i < 4; i++) {
            for (int byte = 0; byte < 4; byte++) digests[16 * lane + 4 * i + byte] = (uint8_t)(state[i] >> (8 * byte));
        }
    }
}

#else

int junction_md5_lane_count(void) { return 0; }

void junction_md5_lanes(const uint8_t *_Nonnull const *_Nonnull messages, const size_t *_Nonnull lengths,
                        size_t count, uint8_t *_Nonnull digests) {
    (void)messages;
    (void)lengths;
    (void)count;
    (void)digests;
}

#endif
