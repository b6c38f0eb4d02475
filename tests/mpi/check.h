// CHECK for multi-PE test programs: a failed check aborts the whole job with the
// PE, file, line and the values compared, so mpirun (and ctest) exit non-zero.
#pragma once

#include <charm.h>

#include <sstream>
#include <string>

#define CHARM_CHECK(cond)                                                              \
  do {                                                                                 \
    if (!(cond))                                                                       \
      charm::abort(std::string(__FILE__) + ":" + std::to_string(__LINE__) +            \
                   ": check failed: " #cond);                                          \
  } while (0)

#define CHARM_CHECK_EQ(a, b)                                                           \
  do {                                                                                 \
    const auto& check_a_ = (a);                                                        \
    const auto& check_b_ = (b);                                                        \
    if (!(check_a_ == check_b_)) {                                                     \
      std::ostringstream check_os_;                                                    \
      check_os_ << __FILE__ << ":" << __LINE__ << ": check failed: " #a " == " #b      \
                << " (" << check_a_ << " vs " << check_b_ << ")";                      \
      charm::abort(check_os_.str());                                                   \
    }                                                                                  \
  } while (0)
