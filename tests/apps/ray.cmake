# The Ray-style programs (apps/ray, charmpy.ray = charm4py.ray): each asserts its
# own results (values against serial computations, the Mandelbrot tiles against
# one serial NumPy image, the synchronous parameter server against a serial replay)
# and exits non-zero when a check fails. Every one runs on 1, 2 and 4 PEs.
# Included from tests/CMakeLists.txt.
# ray_app_test(<name> <program> [args...]): "@PES@" in an argument becomes the PE count.
function(ray_app_test name program)
  foreach(pes 1 2 4)
    string(REPLACE "@PES@" "${pes}" args "${ARGN}")
    add_test(NAME ray_${name}_np${pes}
      COMMAND ${MPIEXEC_EXECUTABLE} -n ${pes} --oversubscribe $<TARGET_FILE:charmpy-run>
              ${CMAKE_SOURCE_DIR}/apps/ray/${program} ${args})
    set_tests_properties(ray_${name}_np${pes} PROPERTIES
      ENVIRONMENT "${MPI_TEST_ENV}" TIMEOUT 180 PROCESSORS ${pes})
  endforeach()
endfunction()

ray_app_test(actors actors.py)
ray_app_test(fib fib.py 14)
ray_app_test(mandelbrot mandelbrot.py --width 320 --height 240 --max-iter 100 --tile 40 --in-flight 5
             --out ${CMAKE_CURRENT_BINARY_DIR}/ray-mandelbrot-np@PES@.png)
ray_app_test(parameter_server_linear parameter_server.py --model linear)
ray_app_test(parameter_server_logistic parameter_server.py --model logistic)

# The ray benchmark (apps/bench/run-ray.sh: ray_tasks.py on 2 PEs and the
# multiprocessing reference) runs and prints its table and targets, tiny: a check
# that `make bench`'s ray section works, not a measurement (no timed assertion).
add_test(NAME bench_ray_smoke
  COMMAND sh -c "out=$(bash ${CMAKE_SOURCE_DIR}/apps/bench/run-ray.sh ${CMAKE_BINARY_DIR} --tasks 500) || exit 1; echo \"$out\"; echo \"$out\" | grep -q 'target: ray >= 50% of charm.pool' && echo \"$out\" | tail -n 1 | /usr/bin/python3 -c 'import json, sys; r = json.load(sys.stdin); assert r[\"charmpy\"][\"object_1mib_us\"][\"get_remote\"] > 0'")
set_tests_properties(bench_ray_smoke PROPERTIES ENVIRONMENT "${MPI_TEST_ENV}" TIMEOUT 300 PROCESSORS 2)
