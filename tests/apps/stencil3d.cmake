# stencil3d (apps/stencil3d): every flavour (charmpy, mpi4py, cpp, mpi) on a small
# grid, on 1, 2 and 4 PEs, must give the same checksum (rtol 1e-9), balanced and
# imbalanced, across PE counts too; load balancing (GreedyLB, RotateLB moving every
# block, periodic balancing in the middle of iterations) must not change the answer;
# bad input is rejected. Included from tests/CMakeLists.txt (MPI_TEST_ENV,
# MPIEXEC_EXECUTABLE).
set(STENCIL3D_DIR ${CMAKE_SOURCE_DIR}/apps/stencil3d)
set(STENCIL3D_COMPARE /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/apps/compare_runs.py --key checksum --rtol 1e-9)

function(stencil3d_runs out np args)
  set(charmpy "${MPIEXEC_EXECUTABLE} -n ${np} --oversubscribe $<TARGET_FILE:charmpy-run> ${STENCIL3D_DIR}/stencil3d.py ${args}")
  set(mpi4py "${MPIEXEC_EXECUTABLE} -n ${np} --oversubscribe /usr/bin/python3 ${STENCIL3D_DIR}/stencil3d_mpi4py.py ${args}")
  set(${out} --run "${charmpy}" --run "${mpi4py}"
    --run "${MPIEXEC_EXECUTABLE} -n ${np} --oversubscribe $<TARGET_FILE:stencil3d-cpp> ++quiet ${args}"
    --run "${MPIEXEC_EXECUTABLE} -n ${np} --oversubscribe $<TARGET_FILE:stencil3d-mpi> ${args}"
    PARENT_SCOPE)
endfunction()

foreach(np 1 2 4)
  foreach(imbalance 1 3)
    stencil3d_runs(runs ${np} "--grid 24 --blocks 2 --iters 6 --imbalance ${imbalance}")
    add_test(NAME stencil3d_flavours_agree_imbalance${imbalance}_np${np}
      COMMAND ${STENCIL3D_COMPARE} ${runs})
    set_tests_properties(stencil3d_flavours_agree_imbalance${imbalance}_np${np} PROPERTIES
      ENVIRONMENT "${MPI_TEST_ENV}" TIMEOUT 240 PROCESSORS ${np})
  endforeach()
endforeach()

# Load balancing moves blocks in the middle of the run; the answer stays. Also a
# lone block (no neighbours) and blocks that do not divide the PEs evenly. A step at
# every iteration: a block still in AtSync gets faces from neighbours that resumed
# first (regression: it used them at once, computed before resuming, then sent its
# faces twice and the run hung).
foreach(np 2 4)
  set(py "${MPIEXEC_EXECUTABLE} -n ${np} --oversubscribe $<TARGET_FILE:charmpy-run> ${STENCIL3D_DIR}/stencil3d.py --grid 24 --iters 6 --imbalance 3")
  set(runs --run "${py} --blocks 2 +LBOff"
           --run "${py} --blocks 2 --lb-period 1 +balancer GreedyLB"
           --run "${py} --blocks 2 --lb-period 1 +balancer RotateLB"
           --run "${py} --blocks 3 --lb-period 2 +balancer GreedyLB")
  add_test(NAME stencil3d_load_balancing_keeps_the_answer_np${np} COMMAND ${STENCIL3D_COMPARE} ${runs})
  set_tests_properties(stencil3d_load_balancing_keeps_the_answer_np${np} PROPERTIES
    ENVIRONMENT "${MPI_TEST_ENV}" TIMEOUT 300 PROCESSORS ${np})
endforeach()
# Blocks per dimension given as BX BY BZ: slabs along x (whose x faces travel as
# views of the sender's grid, by reference on the same PE) and an uneven split, in
# both charm flavours, against the MPI flavour; slabs balanced at every other
# iteration, on 1 PE (every face by reference) and on 2.
foreach(np 1 2)
  set(mpirun "${MPIEXEC_EXECUTABLE} -n ${np} --oversubscribe")
  set(args "--grid 24 --iters 6 --imbalance 3")
  set(py "${mpirun} $<TARGET_FILE:charmpy-run> ${STENCIL3D_DIR}/stencil3d.py ${args}")
  set(cpp "${mpirun} $<TARGET_FILE:stencil3d-cpp> ++quiet ${args}")
  add_test(NAME stencil3d_blocks_per_axis_np${np}
    COMMAND ${STENCIL3D_COMPARE} --run "${mpirun} $<TARGET_FILE:stencil3d-mpi> ${args}"
      --run "${py} --blocks 4 1 1 +LBOff" --run "${py} --blocks 2 3 1 +LBOff"
      --run "${py} --blocks 4 1 1 --lb-period 2 +balancer RotateLB"
      --run "${cpp} --blocks 4 1 1 +LBOff" --run "${cpp} --blocks 2 3 1 +LBOff")
  set_tests_properties(stencil3d_blocks_per_axis_np${np} PROPERTIES
    ENVIRONMENT "${MPI_TEST_ENV}" TIMEOUT 240 PROCESSORS ${np})
endforeach()

# A PE's blocks share spare grids (stencil3d.py, Block.compute): a block computes
# into the grid another block just gave back, holding that block's ghosts. Blocks
# with different sides on the boundary (3x3x3: corners, edges, faces, a middle one)
# take each other's grids, on 1 PE and on 2, also while RotateLB moves them all;
# a ghost left over would change the answer.
foreach(np 1 2)
  set(mpirun "${MPIEXEC_EXECUTABLE} -n ${np} --oversubscribe")
  set(args "--grid 24 --iters 6 --imbalance 3")
  set(py "${mpirun} $<TARGET_FILE:charmpy-run> ${STENCIL3D_DIR}/stencil3d.py ${args}")
  add_test(NAME stencil3d_spare_grids_keep_the_answer_np${np}
    COMMAND ${STENCIL3D_COMPARE} --run "${mpirun} $<TARGET_FILE:stencil3d-mpi> ${args}"
      --run "${py} --blocks 3 3 3 +LBOff" --run "${py} --blocks 4 2 3 +LBOff"
      --run "${py} --blocks 3 3 3 --lb-period 2 +balancer RotateLB")
  set_tests_properties(stencil3d_spare_grids_keep_the_answer_np${np} PROPERTIES
    ENVIRONMENT "${MPI_TEST_ENV}" TIMEOUT 240 PROCESSORS ${np})
endforeach()

add_test(NAME stencil3d_lone_block_np1
  COMMAND ${STENCIL3D_COMPARE}
    --run "${MPIEXEC_EXECUTABLE} -n 1 $<TARGET_FILE:charmpy-run> ${STENCIL3D_DIR}/stencil3d.py --grid 24 --iters 6 --blocks 1"
    --run "${MPIEXEC_EXECUTABLE} -n 1 /usr/bin/python3 ${STENCIL3D_DIR}/stencil3d_mpi4py.py --grid 24 --iters 6")
set_tests_properties(stencil3d_lone_block_np1 PROPERTIES ENVIRONMENT "${MPI_TEST_ENV}" TIMEOUT 120)

# Across PE counts: the same answer on 1, 2 and 4 PEs (and both Python flavours).
set(runs)
foreach(np 1 2 4)
  list(APPEND runs
    --run "${MPIEXEC_EXECUTABLE} -n ${np} --oversubscribe $<TARGET_FILE:charmpy-run> ${STENCIL3D_DIR}/stencil3d.py --grid 24 12 24 --blocks 2 --iters 5 --imbalance 2"
    --run "${MPIEXEC_EXECUTABLE} -n ${np} --oversubscribe /usr/bin/python3 ${STENCIL3D_DIR}/stencil3d_mpi4py.py --grid 24 12 24 --iters 5 --imbalance 2")
endforeach()
add_test(NAME stencil3d_pe_counts_agree COMMAND ${STENCIL3D_COMPARE} ${runs})
set_tests_properties(stencil3d_pe_counts_agree PROPERTIES ENVIRONMENT "${MPI_TEST_ENV}" TIMEOUT 300 PROCESSORS 4)

# --- the C++ flavours' balancing and input checks

# stencil3d_cpp_test(<name> <pes> <compare_runs arguments...>)
function(stencil3d_cpp_test name pes)
  add_test(NAME ${name} COMMAND ${STENCIL3D_COMPARE} ${ARGN})
  set_tests_properties(${name} PROPERTIES ENVIRONMENT "${MPI_TEST_ENV}" TIMEOUT 180 PROCESSORS ${pes})
endfunction()

# A box, and blocks that straddle the heavy half (x < 12).
foreach(n 1 2 4)
  set(mpirun "${MPIEXEC_EXECUTABLE} -n ${n} --oversubscribe")
  stencil3d_cpp_test(stencil3d_cpp_matches_mpi_box_np${n} ${n}
    --run "${mpirun} $<TARGET_FILE:stencil3d-mpi> --iters 6 --grid 24 36 48 --imbalance 2"
    --run "${mpirun} $<TARGET_FILE:stencil3d-cpp> ++quiet --iters 6 --grid 24 36 48 --blocks 3 --imbalance 2")
endforeach()

# The C++ sweep (flat planes, ghosts stored plane by plane, faces packed as it
# goes) against the Numba kernels of mpi4py on odd blocks: the heavy half ending
# inside a block, rows of one point, planes of one row, balancing at every other
# iteration.
foreach(n 1 2)
  set(mpirun "${MPIEXEC_EXECUTABLE} -n ${n} --oversubscribe")
  set(args "--iters 5 --grid 12 18 30 --imbalance 3")
  set(cpp "${mpirun} $<TARGET_FILE:stencil3d-cpp> ++quiet ${args}")
  stencil3d_cpp_test(stencil3d_cpp_odd_blocks_match_numba_np${n} ${n}
    --run "${mpirun} /usr/bin/python3 ${STENCIL3D_DIR}/stencil3d_mpi4py.py ${args}"
    --run "${cpp} --blocks 3 2 5" --run "${cpp} --blocks 1 1 30" --run "${cpp} --blocks 12 18 1"
    --run "${cpp} --blocks 3 2 5 --lb-period 2 +balancer RotateLB")
endforeach()

# The PE's spare grid (stencil3d.cpp, spareGrid) goes from block to block: blocks
# with different boundary sides sweep into grids whose y ghost rows and z ghost
# cells held other blocks' faces (the sweep stores received y and z faces there;
# a stale ghost changes the checksum), on 1 PE and 2, with the imbalance's extra
# sweeps, and with RotateLB moving every block at every iteration (a block leaves
# with its grid and arrives without a spare; a lone block arrives on a PE that
# has no spare yet).
foreach(n 1 2)
  foreach(imbalance 1 3)
    set(mpirun "${MPIEXEC_EXECUTABLE} -n ${n} --oversubscribe")
    set(args "--iters 6 --grid 24 18 30 --imbalance ${imbalance}")
    set(cpp "${mpirun} $<TARGET_FILE:stencil3d-cpp> ++quiet ${args}")
    stencil3d_cpp_test(stencil3d_cpp_recycled_grids_imbalance${imbalance}_np${n} ${n}
      --run "${mpirun} $<TARGET_FILE:stencil3d-mpi> ${args}"
      --run "${cpp} --blocks 2 3 5 +LBOff" --run "${cpp} --blocks 1 1 5 +LBOff" --run "${cpp} --blocks 3 1 2 +LBOff"
      --run "${cpp} --blocks 2 3 5 --lb-period 1 +balancer RotateLB"
      --run "${cpp} --blocks 1 --lb-period 1 +balancer RotateLB")
  endforeach()
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
add_test(NAME stencil3d_rejects_two_block_counts_cpp
  COMMAND sh -c "out=$(${MPIEXEC_EXECUTABLE} -n 1 $<TARGET_FILE:stencil3d-cpp> --blocks 2 2 2>&1); rc=$?; echo \"$out\"; test $rc -ne 0 && echo \"$out\" | grep -q 'blocks takes one number or three, got two'")
add_test(NAME stencil3d_rejects_two_block_counts_charmpy
  COMMAND sh -c "out=$(${MPIEXEC_EXECUTABLE} -n 1 $<TARGET_FILE:charmpy-run> ${STENCIL3D_DIR}/stencil3d.py --blocks 2 2 2>&1); rc=$?; echo \"$out\"; test $rc -ne 0 && echo \"$out\" | grep -q 'blocks takes B or BX BY BZ'")
set_tests_properties(stencil3d_rejects_two_block_counts_cpp stencil3d_rejects_two_block_counts_charmpy
  PROPERTIES ENVIRONMENT "${MPI_TEST_ENV}" TIMEOUT 60)
foreach(flavour cpp mpi)
  add_test(NAME stencil3d_cpp_rejects_uneven_grid_${flavour}
    COMMAND sh -c "out=$(${MPIEXEC_EXECUTABLE} -n 2 --oversubscribe $<TARGET_FILE:stencil3d-${flavour}> --grid 25 2>&1); rc=$?; echo \"$out\"; test $rc -ne 0 && echo \"$out\" | grep -q 'x (25) is not a multiple of 2'")
  add_test(NAME stencil3d_cpp_rejects_bad_option_${flavour}
    COMMAND sh -c "out=$(${MPIEXEC_EXECUTABLE} -n 1 $<TARGET_FILE:stencil3d-${flavour}> --iters ten 2>&1); rc=$?; echo \"$out\"; test $rc -ne 0 && echo \"$out\" | grep -q \"iters takes an integer, got 'ten'\"")
  set_tests_properties(stencil3d_cpp_rejects_uneven_grid_${flavour} stencil3d_cpp_rejects_bad_option_${flavour}
    PROPERTIES ENVIRONMENT "${MPI_TEST_ENV}" TIMEOUT 60 PROCESSORS 2)
endforeach()

# The benchmark suite itself (make bench): its stencil3d cases, tiny, once; the
# tables, the overdecomposition curve, the ratios and the plots must come out.
add_test(NAME bench_suite_smoke
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/apps/check_bench_smoke.py
    ${CMAKE_BINARY_DIR} ${CMAKE_CURRENT_BINARY_DIR}/bench-smoke)
set_tests_properties(bench_suite_smoke PROPERTIES ENVIRONMENT "${MPI_TEST_ENV}" TIMEOUT 900 PROCESSORS 2)
# The C++ kernels' microbenchmark (stencil3d-bench-kernels) runs both
# configurations and refuses a configuration it does not know.
foreach(config cubes slab)
  add_test(NAME stencil3d_bench_kernels_cpp_${config} COMMAND $<TARGET_FILE:stencil3d-bench-kernels> ${config} 2)
  set_tests_properties(stencil3d_bench_kernels_cpp_${config} PROPERTIES TIMEOUT 60
    PASS_REGULAR_EXPRESSION "^${config}: median [0-9.]+ ms, least [0-9.]+ ms per repetition \\(2\\)")
endforeach()
add_test(NAME stencil3d_bench_kernels_cpp_rejects_bad_config COMMAND $<TARGET_FILE:stencil3d-bench-kernels> slabs)
set_tests_properties(stencil3d_bench_kernels_cpp_rejects_bad_config PROPERTIES TIMEOUT 60 WILL_FAIL TRUE)

# The Python kernels: kernels.step (ghosts stored, swept over whole planes, faces
# packed, in one pass) equals a plain NumPy statement of an iteration, bit for bit,
# on odd block shapes with faces missing and heavy rows.
add_test(NAME stencil3d_kernels_match_numpy
  COMMAND /usr/bin/python3 ${STENCIL3D_DIR}/check_kernels.py)
set_tests_properties(stencil3d_kernels_match_numpy PROPERTIES TIMEOUT 300)
