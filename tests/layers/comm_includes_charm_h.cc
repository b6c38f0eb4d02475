// Must not compile: <charm.h> is the runtime's C++ API, above comm/.
#include <charm.h>
