#ifndef CJUNCTION_BYTE_SCAN_H
#define CJUNCTION_BYTE_SCAN_H

#include <stddef.h>
#include <stdint.h>

/// The index of the first byte at or after `start` that a JSON string cannot hold as it is: `"`, `\`, a byte
/// below 0x20, and 0x7F when `delete` is non-zero; `count` when there is none. Bytes from 0x80 up pass.
size_t junction_scan_first_special(const uint8_t *_Nullable bytes, size_t count, size_t start, int delete);

/// The index of the first byte that is not plain ASCII text a JSON string can hold as it is: what
/// `junction_scan_first_special` finds (with 0x7F), or a byte from 0x80 up; `count` when there is none.
size_t junction_scan_first_not_plain_json(const uint8_t *_Nullable bytes, size_t count);

/// Non-zero when every byte is below 0x80.
int junction_scan_is_ascii(const uint8_t *_Nullable bytes, size_t count);

/// Non-zero when every byte is printable ASCII (0x20–0x7F), tab, LF or CR.
int junction_scan_is_plain_text(const uint8_t *_Nullable bytes, size_t count);

#endif
