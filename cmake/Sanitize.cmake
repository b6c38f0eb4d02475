# CHARMPY_SANITIZE=ON: AddressSanitizer + UndefinedBehaviorSanitizer on every target
# of this build (libcharmrt, charmpy-run with its _charmpy module, the C++ apps and
# every test program), for `make test-sanitize` (build-sanitize/). Undefined behaviour
# is not recoverable, so the first finding ends the process with a non-zero code and
# fails its test. Include before any target is defined.
option(CHARMPY_SANITIZE "Build everything with -fsanitize=address,undefined" OFF)
if(CHARMPY_SANITIZE)
  set(CHARMPY_SANITIZE_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer
      -fno-sanitize-recover=undefined)
  add_compile_options(${CHARMPY_SANITIZE_FLAGS})
  # Executables link the runtimes themselves: charmpy-run embeds CPython, so ASan is
  # in the main program and comes before every library Python dlopen()s later.
  add_link_options(-fsanitize=address,undefined)
endif()
