// Must not compile: lb/ is below embed/ (tests/layers/CMakeLists.txt).
#include "embed/module.h"
