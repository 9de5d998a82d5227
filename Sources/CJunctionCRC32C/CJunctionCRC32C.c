// CRC-32C with the CPU's own instruction. Swift has no portable way to reach `crc32` (x86-64 SSE 4.2) or
// `crc32c` (AArch64), and every stored record batch is checksummed on append and on read: the table-driven
// code was ~2% of the engine loop's CPU under the SQS benchmark. Each function carries its target attribute,
// so the module builds without extra compiler flags and the choice is made at run time.
#include "CJunctionCRC32C.h"

#include <string.h>

#if defined(__x86_64__)

int junction_crc32c_hardware_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2");
}

__attribute__((target("sse4.2")))
uint32_t junction_crc32c_hardware(uint32_t state, const void *_Nullable bytes, size_t length) {
    const unsigned char *p = bytes;
    uint64_t wide = state;
    while (length >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        wide = __builtin_ia32_crc32di(wide, word);
        p += 8;
        length -= 8;
    }
    uint32_t crc = (uint32_t)wide;
    while (length > 0) {
        crc = __builtin_ia32_crc32qi(crc, *p);
        p += 1;
        length -= 1;
    }
    return crc;
}

#elif defined(__aarch64__)

#if defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_CRC32
#define HWCAP_CRC32 (1 << 7)
#endif
int junction_crc32c_hardware_available(void) { return (getauxval(AT_HWCAP) & HWCAP_CRC32) != 0; }
#elif defined(__APPLE__)
int junction_crc32c_hardware_available(void) { return 1; }
#else
int junction_crc32c_hardware_available(void) { return 0; }
#endif

__attribute__((target("crc")))
uint32_t junction_crc32c_hardware(uint32_t state, const void *_Nullable bytes, size_t length) {
    const unsigned char *p = bytes;
    uint32_t crc = state;
    while (length >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        crc = __builtin_arm_crc32cd(crc, word);
        p += 8;
        length -= 8;
    }
    while (length > 0) {
        crc = __builtin_arm_crc32cb(crc, *p);
        p += 1;
        length -= 1;
    }
    return crc;
}

#else

int junction_crc32c_hardware_available(void) { return 0; }

uint32_t junction_crc32c_hardware(uint32_t state, const void *_Nullable bytes, size_t length) {
    (void)bytes;
    (void)length;
    return state;
}

#endif
