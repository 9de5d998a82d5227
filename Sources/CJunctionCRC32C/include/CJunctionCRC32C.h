#ifndef CJUNCTION_CRC32C_H
#define CJUNCTION_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/// Whether this CPU has a CRC-32C instruction (SSE 4.2 on x86-64, the CRC extension on AArch64).
int junction_crc32c_hardware_available(void);

/// Runs the CRC-32C register `state` (already inverted, as the table-driven code keeps it) over `length`
/// bytes with the CPU's instruction. Only call it when `junction_crc32c_hardware_available()` is true.
uint32_t junction_crc32c_hardware(uint32_t state, const void *_Nullable bytes, size_t length);

#endif
