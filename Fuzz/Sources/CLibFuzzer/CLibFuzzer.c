// The declaration in include/CLibFuzzer.h is all there is: LLVMFuzzerRunDriver comes with -sanitize=fuzzer.
#include "CLibFuzzer.h"
