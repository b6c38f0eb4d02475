# The layers of libcharmrt as separate targets, so that "each layer uses only the
# layers below it" (comm <- runtime <- lb <- embed, ARCHITECTURE.md) is checked by
# the compiler instead of kept by convention.
#
# Headers are included as "layer/file.h". A layer's sources compile with ONE include
# root of ours, build/layers/<layer>/, which holds a symlink per directory the layer
# may see: its own and those of the layers below it (build/layers/runtime/ has comm
# and runtime). An upward #include "lb/..." from runtime/ therefore fails with "No
# such file or directory"; so does a bare #include "x.h" of another layer's file
# (the compiler only looks in the including file's own directory first). The one way
# around the roots, a relative #include "../", is refused at configure time below.
# tests/layers/ proves both ways: upward includes fail, every header of a layer
# compiles in that layer's context.
#
# Included from the top-level CMakeLists.txt (not add_subdirectory) so that source
# file properties set there (reducer.cc's -O3) reach these targets.

# Bottom to top. CHARMRT_LAYER_DIRS_<layer>: the directories (relative to the source
# root) that the layer adds to its own include root and to those of every layer above
# it; each is linked under its last path component. CHARMRT_LAYER_PUBLIC_<layer>: the
# parts of the public API (include/, paths relative to it) that the layer adds, linked
# under the same path: comm sees only the message buffer (a public type, as
# charm::Payload hands it out), the runtime and above the whole of <charm.h> and
# charm/.
set(CHARMRT_LAYERS comm runtime lb embed)
set(CHARMRT_LAYER_DIRS_comm comm)
set(CHARMRT_LAYER_DIRS_runtime runtime)
set(CHARMRT_LAYER_DIRS_lb lb)
set(CHARMRT_LAYER_DIRS_embed embed)
set(CHARMRT_LAYER_PUBLIC_comm charm/detail/message_buffer.h)
set(CHARMRT_LAYER_PUBLIC_runtime charm.h charm)
set(CHARMRT_LAYER_PUBLIC_lb "")
set(CHARMRT_LAYER_PUBLIC_embed "")

# Builds the include roots (at configure time: symlinks, so an edited header is seen
# at once) and refuses relative includes that step out of a layer's directory.
set(visible "")
set(visible_public "")
foreach(layer ${CHARMRT_LAYERS})
  list(APPEND visible ${CHARMRT_LAYER_DIRS_${layer}})
  list(APPEND visible_public ${CHARMRT_LAYER_PUBLIC_${layer}})
  set(root ${CMAKE_BINARY_DIR}/layers/${layer})
  set(CHARMRT_LAYER_ROOT_${layer} ${root})
  file(MAKE_DIRECTORY ${root})
  set(links "")  # path in the root -> what it links to
  foreach(dir ${visible})
    get_filename_component(name ${dir} NAME)
    list(APPEND links "${name}=${CMAKE_SOURCE_DIR}/${dir}")
  endforeach()
  # Shorter paths first, so that a public file under a directory the layer sees
  # whole (charm/detail/message_buffer.h under charm) comes with that directory.
  set(public_paths ${visible_public})
  list(SORT public_paths)
  set(linked_public "")
  foreach(path ${public_paths})
    set(covered FALSE)
    foreach(done ${linked_public})
      string(FIND "${path}" "${done}/" at)
      if(at EQUAL 0)
        set(covered TRUE)
      endif()
    endforeach()
    if(NOT covered)
      list(APPEND linked_public ${path})
      list(APPEND links "${path}=${CMAKE_SOURCE_DIR}/include/${path}")
    endif()
  endforeach()
  set(names "")
  foreach(link ${links})
    string(REPLACE "=" ";" parts "${link}")
    list(GET parts 0 path)
    list(GET parts 1 target)
    string(REGEX REPLACE "/.*" "" top "${path}")
    list(APPEND names ${top})
    get_filename_component(parent ${root}/${path} DIRECTORY)
    file(MAKE_DIRECTORY ${parent})
    file(CREATE_LINK ${target} ${root}/${path} SYMBOLIC)
  endforeach()
  # A link left from an earlier configure with another layer list would let the
  # layer see a directory it no longer may.
  file(GLOB entries LIST_DIRECTORIES true RELATIVE ${root} ${root}/*)
  foreach(entry ${entries})
    if(NOT entry IN_LIST names AND IS_SYMLINK ${root}/${entry})
      file(REMOVE ${root}/${entry})
    endif()
  endforeach()
  foreach(dir ${CHARMRT_LAYER_DIRS_${layer}})
    file(GLOB layer_files CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${dir}/*.h
      ${CMAKE_SOURCE_DIR}/${dir}/*.cc ${CMAKE_SOURCE_DIR}/${dir}/*.c)
    foreach(file ${layer_files})
      file(STRINGS ${file} parent_includes REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<]\\.\\./")
      if(parent_includes)
        message(FATAL_ERROR "${file}: ${parent_includes}\n"
          "Include other layers' headers as \"layer/file.h\" (cmake/Layers.cmake): a "
          "relative \"../\" include bypasses the check that a layer uses only the layers "
          "below it.")
      endif()
    endforeach()
  endforeach()
endforeach()
unset(visible)
unset(visible_public)

# charmrt_layer_includes(<target> <layer>): <target> sees what <layer> may see. For
# the layer targets below and for embed/'s targets (charmpy-run, its fuzz tests).
function(charmrt_layer_includes target layer)
  target_include_directories(${target} PRIVATE ${CHARMRT_LAYER_ROOT_${layer}})
endfunction()

# charmrt_layer(<layer> [PUBLIC <targets>...] [PRIVATE <targets>...]): the OBJECT
# library charmrt_<layer> of <layer>/*.cc, linking the layer below it and the
# libraries it uses. Linking a lower layer passes on its PUBLIC libraries (MPI,
# Boost), never its include root (PRIVATE): a layer sees only its own root.
function(charmrt_layer layer)
  cmake_parse_arguments(L "" "" "PUBLIC;PRIVATE" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${layer}/*.cc)
  add_library(charmrt_${layer} OBJECT ${sources})
  charmrt_layer_includes(charmrt_${layer} ${layer})
  target_link_libraries(charmrt_${layer} PUBLIC ${L_PUBLIC} PRIVATE ${L_PRIVATE})
  charmrt_warnings(charmrt_${layer})
endfunction()

# charmrt_layer_probe(<name> <layer> <source>): an object library, built only on
# demand (tests/layers), that compiles <source> exactly as the real target
# charmrt_<layer> compiles its own sources: its include directories, options and
# definitions are read from that target, and it links what that target links, so
# that the libraries' usage requirements (MPI's -isystem) come the same way.
function(charmrt_layer_probe name layer source)
  set(real charmrt_${layer})
  add_library(${name} OBJECT EXCLUDE_FROM_ALL ${source})
  foreach(property INCLUDE_DIRECTORIES COMPILE_OPTIONS COMPILE_DEFINITIONS)
    get_target_property(value ${real} ${property})
    if(value)
      set_property(TARGET ${name} PROPERTY ${property} "${value}")
    endif()
  endforeach()
  get_target_property(libraries ${real} LINK_LIBRARIES)
  if(libraries)
    target_link_libraries(${name} PRIVATE ${libraries})
  endif()
endfunction()
