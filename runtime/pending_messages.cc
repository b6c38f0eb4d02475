// PendingMessages: holding and releasing messages that wait (see pending_messages.h).
#include "runtime/pending_messages.h"

namespace charm {

void PendingMessages::hold(const Key& key, MessageBuffer&& message) {
  held_[key].emplace(arrivals_++, std::move(message));
}

void PendingMessages::holdNumbered(const Key& key, std::uint32_t number, MessageBuffer&& message) {
  held_[key].emplace(number, std::move(message));
}

std::vector<MessageBuffer> PendingMessages::release(const Key& key) {
  std::vector<MessageBuffer> out;
  if (held_.empty()) return out;
  auto it = held_.find(key);
  if (it == held_.end()) return out;
  out.reserve(it->second.size());
  for (auto& [order, m] : it->second) out.push_back(std::move(m));
  held_.erase(it);
  return out;
}

MessageBuffer PendingMessages::releaseNumbered(const Key& key, std::uint32_t number) {
  if (held_.empty()) return {};
  auto it = held_.find(key);
  if (it == held_.end()) return {};
  auto m = it->second.find(number);
  if (m == it->second.end()) return {};
  MessageBuffer out = std::move(m->second);
  it->second.erase(m);
  if (it->second.empty()) held_.erase(it);
  return out;
}

}  // namespace charm
