# LeanMD (apps/leanmd): a small system (27 cells of 30 particles, 10 steps,
# particles migrating after steps 5 and 10) in both flavours. Every run must print
# exactly the energies (and particle count) of the reference run, the C++ flavour
# on 1 PE without load balancing: rtol 0. Both flavours evaluate the same IEEE
# operations in the same order (README.md fixes the order of every sum), so the
# bits agree across flavours, PE counts and migrations; a difference means that an
# order, a force or a particle went astray. Included from tests/CMakeLists.txt.
set(LEANMD_PROBLEM --cells 3 3 3 --particles 30 --steps 10 --migrate-every 5)
string(JOIN " " LEANMD_PROBLEM_STRING ${LEANMD_PROBLEM})
set(LEANMD_COMPARE /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/apps/compare_runs.py
    --key initial_energy --key energy --key particles --rtol 0)

# The shell command of one run: leanmd_command(<var> <flavour> <pes> [extra args...]).
function(leanmd_command var flavour pes)
  string(JOIN " " extra ${ARGN})
  set(mpirun "${MPIEXEC_EXECUTABLE} -n ${pes} --oversubscribe")
  if(flavour STREQUAL "cpp")
    set(${var} "${mpirun} $<TARGET_FILE:leanmd-cpp> ${LEANMD_PROBLEM_STRING} ${extra}" PARENT_SCOPE)
  else()
    set(${var} "${mpirun} $<TARGET_FILE:charmpy-run> ${CMAKE_SOURCE_DIR}/apps/leanmd/leanmd.py ${LEANMD_PROBLEM_STRING} ${extra}"
        PARENT_SCOPE)
  endif()
endfunction()

leanmd_command(LEANMD_REFERENCE cpp 1)

# Both flavours on 1, 2 and 4 PEs against the reference.
foreach(pes 1 2 4)
  leanmd_command(cpp_run cpp ${pes})
  leanmd_command(charmpy_run charmpy ${pes})
  add_test(NAME leanmd_flavours_np${pes}
    COMMAND ${LEANMD_COMPARE} --expect lb=off
            --run "${LEANMD_REFERENCE}" --run "${cpp_run}" --run "${charmpy_run}")
  set_tests_properties(leanmd_flavours_np${pes} PROPERTIES
    ENVIRONMENT "${MPI_TEST_ENV}" TIMEOUT 300 PROCESSORS ${pes})
endforeach()

# AtSync every 3 steps with a balancer (RotateLB moves every object at every
# step): the same energies as without load balancing, and "lb" names the
# balancer (checked by a second comparison of the balanced runs alone).
foreach(balancer GreedyLB RotateLB)
  set(balanced)
  foreach(flavour cpp charmpy)
    foreach(pes 2 4)
      leanmd_command(run ${flavour} ${pes} +balancer ${balancer} --lb-period 3)
      list(APPEND balanced --run "${run}")
    endforeach()
  endforeach()
  add_test(NAME leanmd_lb_${balancer}
    COMMAND ${LEANMD_COMPARE} --run "${LEANMD_REFERENCE}" ${balanced})
  add_test(NAME leanmd_lb_${balancer}_reported
    COMMAND ${LEANMD_COMPARE} --expect lb=${balancer} ${balanced})
  set_tests_properties(leanmd_lb_${balancer} leanmd_lb_${balancer}_reported PROPERTIES
    ENVIRONMENT "${MPI_TEST_ENV}" TIMEOUT 300 PROCESSORS 4)
endforeach()
