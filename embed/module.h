// Entry point of the built-in `_charmpy` module (registered with
// PyImport_AppendInittab before the interpreter starts).
#pragma once

#include "embed_state.h"

extern "C" PyObject* PyInit__charmpy();
