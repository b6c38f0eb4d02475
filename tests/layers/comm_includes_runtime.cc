// Must not compile: comm/ is below runtime/ (tests/layers/CMakeLists.txt).
#include "runtime/runtime.h"
