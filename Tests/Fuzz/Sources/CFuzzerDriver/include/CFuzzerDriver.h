#ifndef STATUSHOOK_CFUZZERDRIVER_H
#define STATUSHOOK_CFUZZERDRIVER_H
#include <stddef.h>
#include <stdint.h>

// libFuzzer's entry point for a program with a main of its own (SwiftPM gives every executable
// one): parses the libFuzzer flags in argv and runs `callback` on each input. Linked in by
// -sanitize=fuzzer.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
