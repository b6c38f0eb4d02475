// Must not compile: runtime/ is below lb/ (tests/layers/CMakeLists.txt).
#include "lb/lb_manager.h"
