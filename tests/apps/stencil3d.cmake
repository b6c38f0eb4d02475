# stencil3d (apps/stencil3d): every flavour on a small grid, on 1, 2 and 4 PEs, must
# give the same checksum (rtol 1e-9), balanced and imbalanced; load balancing
# (GreedyLB, and RotateLB, which moves every block) must not change the answer.
set(STENCIL3D_DIR ${CMAKE_SOURCE_DIR}/apps/stencil3d)
set(STENCIL3D_COMPARE /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/apps/compare_runs.py --key checksum --rtol 1e-9)

function(stencil3d_runs out np args)
  set(charmpy "${MPIEXEC_EXECUTABLE} -n ${np} --oversubscribe $<TARGET_FILE:charmpy-run> ${STENCIL3D_DIR}/stencil3d.py ${args}")
  set(mpi4py "${MPIEXEC_EXECUTABLE} -n ${np} --oversubscribe /usr/bin/python3 ${STENCIL3D_DIR}/stencil3d_mpi4py.py ${args}")
  set(runs --run "${charmpy}" --run "${mpi4py}")
  if(TARGET stencil3d-cpp)
    list(APPEND runs --run "${MPIEXEC_EXECUTABLE} -n ${np} --oversubscribe $<TARGET_FILE:stencil3d-cpp> ${args}")
  endif()
  if(TARGET stencil3d-mpi)
    list(APPEND runs --run "${MPIEXEC_EXECUTABLE} -n ${np} --oversubscribe $<TARGET_FILE:stencil3d-mpi> ${args}")
  endif()
  set(${out} ${runs} PARENT_SCOPE)
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
# lone block (no neighbours) and blocks that do not divide the PEs evenly.
foreach(np 2 4)
  set(py "${MPIEXEC_EXECUTABLE} -n ${np} --oversubscribe $<TARGET_FILE:charmpy-run> ${STENCIL3D_DIR}/stencil3d.py --grid 24 --iters 6 --imbalance 3")
  set(runs --run "${py} --blocks 2 +LBOff"
           --run "${py} --blocks 2 --lb-period 2 +balancer GreedyLB"
           --run "${py} --blocks 2 --lb-period 1 +balancer RotateLB"
           --run "${py} --blocks 3 --lb-period 2 +balancer GreedyLB")
  if(TARGET stencil3d-cpp)
    set(cpp "${MPIEXEC_EXECUTABLE} -n ${np} --oversubscribe $<TARGET_FILE:stencil3d-cpp> --grid 24 --iters 6 --imbalance 3")
    list(APPEND runs --run "${cpp} --blocks 2 --lb-period 2 +balancer GreedyLB"
                     --run "${cpp} --blocks 2 --lb-period 1 +balancer RotateLB")
  endif()
  add_test(NAME stencil3d_load_balancing_keeps_the_answer_np${np} COMMAND ${STENCIL3D_COMPARE} ${runs})
  set_tests_properties(stencil3d_load_balancing_keeps_the_answer_np${np} PROPERTIES
    ENVIRONMENT "${MPI_TEST_ENV}" TIMEOUT 300 PROCESSORS ${np})
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
