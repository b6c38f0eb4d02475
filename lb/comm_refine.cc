#include "lb/comm_refine.h"

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <utility>

#include "lb/strategy_util.h"

namespace charm::lb {

namespace {

constexpr double kBytesPerMessage = 1024;
constexpr int kMaxPasses = 8;
// Candidates looked at for one swap: bounds the cost on large, densely
// communicating inputs (the first ones in input order; deterministic).
constexpr std::size_t kMaxCandidates = 512;

using Adjacency = std::vector<std::vector<std::pair<std::size_t, double>>>;

// Undirected: an edge's weight counts at both of its objects.
Adjacency adjacencyOf(const LbInput& input) {
  std::unordered_map<std::uint64_t, std::size_t> indexOf;
  indexOf.reserve(input.objects.size());
  for (std::size_t i = 0; i < input.objects.size(); ++i) indexOf.emplace(input.objects[i].id, i);
  Adjacency adj(input.objects.size());
  for (const CommEdge& e : input.comm) {
    auto from = indexOf.find(e.from), to = indexOf.find(e.to);
    if (from == indexOf.end() || to == indexOf.end() || from->second == to->second) continue;
    const double w = commWeight(e);
    adj[from->second].emplace_back(to->second, w);
    adj[to->second].emplace_back(from->second, w);
  }
  return adj;
}

}  // namespace

double commWeight(const CommEdge& edge) {
  return static_cast<double>(edge.bytes) + kBytesPerMessage * static_cast<double>(edge.messages);
}

double crossPeTraffic(const LbInput& input, const std::vector<int>& assignment) {
  const Adjacency adj = adjacencyOf(input);
  double cut = 0;
  for (std::size_t i = 0; i < adj.size(); ++i)
    for (const auto& [j, w] : adj[i])
      if (assignment[i] != assignment[j]) cut += w;
  return cut / 2;  // each edge was seen from both ends
}

void refineCommunication(const LbInput& input, std::vector<int>& assignment, double loadLimit) {
  if (input.comm.empty() || assignment.size() != input.objects.size()) return;
  const Adjacency adj = adjacencyOf(input);
  std::vector<double> peLoad = peLoads(input, assignment);
  auto weightTo = [&](std::size_t i, int pe) {
    double w = 0;
    for (const auto& [j, x] : adj[i])
      if (assignment[j] == pe) w += x;
    return w;
  };
  auto weightBetween = [&](std::size_t i, std::size_t k) {
    double w = 0;
    for (const auto& [j, x] : adj[i])
      if (j == k) w += x;
    return w;
  };
  // An object that stays where it is and may move: a swap partner.
  auto staysMovable = [&](std::size_t c) {
    return input.objects[c].migratable && assignment[c] == input.objects[c].pe;
  };

  for (int pass = 0; pass < kMaxPasses; ++pass) {
    // Swap partners on each PE: objects that stay and talk to another PE.
    std::vector<std::vector<std::size_t>> boundary(input.pes.size());
    for (std::size_t c = 0; c < adj.size(); ++c) {
      if (!staysMovable(c)) continue;
      for (const auto& [j, x] : adj[c])
        if (assignment[j] != assignment[c]) {
          boundary[static_cast<std::size_t>(assignment[c])].push_back(c);
          break;
        }
    }
    bool improved = false;
    for (std::size_t o = 0; o < adj.size(); ++o) {
      const int a = input.objects[o].pe, b = assignment[o];
      if (a == b || adj[o].empty() || !input.pes[static_cast<std::size_t>(a)].available) continue;
      const double lo = input.objects[o].load;
      const double back = weightTo(o, b) - weightTo(o, a);  // traffic change of o going back to a
      double bestDelta = 0;
      std::size_t best = o;
      std::size_t looked = 0;
      for (std::size_t c : boundary[static_cast<std::size_t>(a)]) {
        if (c == o || !staysMovable(c) || assignment[c] != a) continue;
        if (++looked > kMaxCandidates) break;
        const double lc = input.objects[c].load;
        if (peLoad[static_cast<std::size_t>(a)] + lo - lc > loadLimit ||
            peLoad[static_cast<std::size_t>(b)] - lo + lc > loadLimit)
          continue;
        // o and c change sides; an edge between them stays cut.
        const double delta = back + weightTo(c, a) - weightTo(c, b) + 2 * weightBetween(o, c);
        if (delta < bestDelta) {
          bestDelta = delta;
          best = c;
        }
      }
      // Weights are whole bytes: a gain under half a byte is rounding. Every swap
      // lowers the traffic, so this ends.
      if (best == o || bestDelta > -0.5) continue;
      const double lc = input.objects[best].load;
      assignment[o] = a;
      assignment[best] = b;
      peLoad[static_cast<std::size_t>(a)] += lo - lc;
      peLoad[static_cast<std::size_t>(b)] += lc - lo;
      improved = true;
    }
    if (!improved) return;
  }
}

}  // namespace charm::lb
