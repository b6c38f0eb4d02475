# Particles (apps/particles): charm4py's particle example shape, a 8 x 4 array of
# cells with Channels (or @when), AtSync every 10 iterations. Runs on 2 and 4 PEs
# under GreedyRefineLB (and RotateLB, which moves every cell at every step) must
# finish, keep every particle (the program checks the count at every report) and
# print the positions' checksum of the reference run (1 PE, no load balancing):
# the positions do not depend on PEs, message order or migrations. Before the
# channel fix, a cell that migrated lost its channels and the channels style hung
# at the first step that moved one (test_channel_migration.py and
# test_when_after_resume.py pin the two fixes down deterministically).
# Included from tests/CMakeLists.txt.
set(PARTICLES_PROBLEM --cells 8 4 --particles 1000 --iterations 30 --lb-period 10)
string(JOIN " " PARTICLES_PROBLEM_STRING ${PARTICLES_PROBLEM})
set(PARTICLES_COMPARE /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/apps/compare_runs.py
    --key particles --key checksum --rtol 0 --expect particles=4000)

function(particles_command var pes)
  string(JOIN " " extra ${ARGN})
  set(${var} "${MPIEXEC_EXECUTABLE} -n ${pes} --oversubscribe $<TARGET_FILE:charmpy-run> ${CMAKE_SOURCE_DIR}/apps/particles/particle.py ${PARTICLES_PROBLEM_STRING} ${extra}"
      PARENT_SCOPE)
endfunction()

foreach(style channels when)
  particles_command(reference 1 --style ${style} +LBOff)
  particles_command(greedy2 2 --style ${style} +balancer GreedyRefineLB)
  particles_command(greedy4 4 --style ${style} +balancer GreedyRefineLB)
  particles_command(rotate4 4 --style ${style} +balancer RotateLB)
  add_test(NAME particles_${style}_lb
    COMMAND ${PARTICLES_COMPARE} --run "${reference}" --run "${greedy2}" --run "${greedy4}" --run "${rotate4}")
  set_tests_properties(particles_${style}_lb PROPERTIES
    ENVIRONMENT "${MPI_TEST_ENV}" TIMEOUT 120 PROCESSORS 4)
endforeach()
