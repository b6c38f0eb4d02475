# stencil3d's C++ flavours (apps/stencil3d): stencil3d-cpp and stencil3d-mpi must
# give the same checksum on 1, 2 and 4 PEs, with and without imbalance and load
# balancing, and reject bad input. Included from tests/CMakeLists.txt
# (MPI_TEST_ENV, MPIEXEC_EXECUTABLE).
set(STENCIL3D_COMPARE /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/apps/compare_runs.py --key checksum --rtol 1e-9)

# stencil3d_cpp_test(<name> <pes> <compare_runs arguments...>)
function(stencil3d_cpp_test name pes)
  add_test(NAME ${name} COMMAND ${STENCIL3D_COMPARE} ${ARGN})
  set_tests_properties(${name} PROPERTIES ENVIRONMENT "${MPI_TEST_ENV}" TIMEOUT 180 PROCESSORS ${pes})
endfunction()

foreach(n 1 2 4)
  set(mpirun "${MPIEXEC_EXECUTABLE} -n ${n} --oversubscribe")
  set(cpp "${mpirun} $<TARGET_FILE:stencil3d-cpp> ++quiet --iters 6")
  set(mpi "${mpirun} $<TARGET_FILE:stencil3d-mpi> --iters 6")
  # The imbalance's extra sweeps leave the answer unchanged.
  stencil3d_cpp_test(stencil3d_cpp_matches_mpi_np${n} ${n}
    --run "${mpi} --grid 24" --run "${cpp} --grid 24"
    --run "${mpi} --grid 24 --imbalance 3" --run "${cpp} --grid 24 --imbalance 3")
  # A box, and blocks that straddle the heavy half (x < 12).
  stencil3d_cpp_test(stencil3d_cpp_matches_mpi_box_np${n} ${n}
    --run "${mpi} --grid 24 36 48 --imbalance 2" --run "${cpp} --grid 24 36 48 --blocks 3 --imbalance 2")
endforeach()

foreach(n 2 4)
  set(cpp "${MPIEXEC_EXECUTABLE} -n ${n} --oversubscribe $<TARGET_FILE:stencil3d-cpp> ++quiet --grid 24 --iters 6 --imbalance 3")
  # GreedyLB moves the heavy blocks; the reference names GreedyLB too but runs no
  # balancing step (its period is longer than the run).
  stencil3d_cpp_test(stencil3d_cpp_greedylb_np${n} ${n}
    --run "${cpp} +balancer GreedyLB --lb-period 7" --run "${cpp} +balancer GreedyLB --lb-period 2"
    --expect lb=GreedyLB)
  # RotateLB moves every block at every iteration: its whole state must travel.
  stencil3d_cpp_test(stencil3d_cpp_rotatelb_np${n} ${n}
    --run "${cpp} --lb-period 0" --run "${cpp} +balancer RotateLB --lb-period 1")
  # Periodic balancing moves blocks in the middle of an iteration, with some
  # ghosts in and faces of the next iteration held.
  set(longer "${MPIEXEC_EXECUTABLE} -n ${n} --oversubscribe $<TARGET_FILE:stencil3d-cpp> ++quiet --grid 48 --iters 200 --lb-period 0")
  stencil3d_cpp_test(stencil3d_cpp_periodic_lb_np${n} ${n}
    --run "${longer}" --run "${longer} +balancer RotateLB +LBPeriod 0.005")
endforeach()

# Bad input: a clear message and a non-zero exit.
foreach(flavour cpp mpi)
  add_test(NAME stencil3d_cpp_rejects_uneven_grid_${flavour}
    COMMAND sh -c "out=$(${MPIEXEC_EXECUTABLE} -n 2 --oversubscribe $<TARGET_FILE:stencil3d-${flavour}> --grid 25 2>&1); rc=$?; echo \"$out\"; test $rc -ne 0 && echo \"$out\" | grep -q 'x (25) is not a multiple of 2'")
  add_test(NAME stencil3d_cpp_rejects_bad_option_${flavour}
    COMMAND sh -c "out=$(${MPIEXEC_EXECUTABLE} -n 1 $<TARGET_FILE:stencil3d-${flavour}> --iters ten 2>&1); rc=$?; echo \"$out\"; test $rc -ne 0 && echo \"$out\" | grep -q \"iters takes an integer, got 'ten'\"")
  set_tests_properties(stencil3d_cpp_rejects_uneven_grid_${flavour} stencil3d_cpp_rejects_bad_option_${flavour}
    PROPERTIES ENVIRONMENT "${MPI_TEST_ENV}" TIMEOUT 60 PROCESSORS 2)
endforeach()
