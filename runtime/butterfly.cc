#include "runtime/butterfly.h"

#include <stdexcept>
#include <string>

namespace charm {

Butterfly::Butterfly(int participants, int rank) : n_(participants), rank_(rank), core_(1), rounds_(0) {
  if (participants < 1 || rank < 0 || rank >= participants)
    throw std::invalid_argument("charm::Butterfly: rank " + std::to_string(rank) +
                                " is not in [0, " + std::to_string(participants) + ")");
  while (core_ <= n_ / 2) {
    core_ *= 2;
    ++rounds_;
  }
}

int Butterfly::foldPartner() const noexcept {
  if (isExtra()) return rank_ - core_;
  if (hasExtraPartner()) return rank_ + core_;
  return -1;
}

}  // namespace charm
