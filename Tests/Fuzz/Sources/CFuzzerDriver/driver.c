// Nothing here: the target only declares libFuzzer's driver (include/CFuzzerDriver.h).
#include "CFuzzerDriver.h"
