# Compiler warnings for our own targets (not for third-party headers).
function(charmrt_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
  if(CHARMRT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
