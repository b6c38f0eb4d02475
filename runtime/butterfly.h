// Butterfly: who exchanges with whom in a recursive-doubling allreduce over n
// participants (numbered 0..n-1). Every participant starts with its own partial
// and ends with the combination of all n, after log2(n) rounds in which pairs
// swap partials at the same time (so a 2-participant allreduce costs one
// one-way transfer, not the two of up-the-tree-then-down).
//
// n not a power of two: with p = the largest power of two <= n, the "extra"
// participants p..n-1 first hand their partial to participant (r - p) ("fold
// in"), sit out the rounds among 0..p-1, and receive the final result back from
// the same partner ("fold out"). Computed, not stored: O(1) per query, no
// allocation, cheap to copy.
//
// Steps are numbered the same way on both sides of an exchange, so a message can
// say which step it belongs to: step 0 is the fold-in, steps 1..rounds() the
// pairwise rounds, step rounds() + 1 the fold-out.
#pragma once

namespace charm {

class Butterfly {
 public:
  // Throws std::invalid_argument unless 0 <= rank < participants.
  Butterfly(int participants, int rank);

  int participants() const noexcept { return n_; }
  int rank() const noexcept { return rank_; }
  // The largest power of two <= participants().
  int core() const noexcept { return core_; }
  // Number of pairwise rounds among the core participants: log2(core()).
  int rounds() const noexcept { return rounds_; }
  int foldOutStep() const noexcept { return rounds_ + 1; }

  // An extra participant (rank >= core()): sends its partial to foldPartner() at
  // step 0 and receives the final result from it at foldOutStep().
  bool isExtra() const noexcept { return rank_ >= core_; }
  // A core participant with an extra partner: receives that partner's partial at
  // step 0 and sends it the final result at foldOutStep().
  bool hasExtraPartner() const noexcept { return rank_ + core_ < n_; }
  // The extra partner of a core participant, or the core partner of an extra one;
  // -1 when there is none.
  int foldPartner() const noexcept;

  // The partner of a core participant in round `round` (1..rounds()).
  int partner(int round) const noexcept { return rank_ ^ (1 << (round - 1)); }

 private:
  int n_;
  int rank_;
  int core_;
  int rounds_;
};

}  // namespace charm
