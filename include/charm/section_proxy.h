// SectionProxy<T>: names a section (an ordered subset of the elements of one
// group or array of T) from C++. Broadcasts reach every member, each exactly
// once and in the same order as other broadcasts to the section; members reduce
// over the section with contribute(value, reducer, callback, section.id()).
//   auto evens = charm::SectionProxy<Cell>::create(cells, {{0}, {2}, {4}});
//   evens.broadcast<&Cell::step>(1);
//   // in a member: contribute(x, charm::reducer::sum, cb, evens.id());
// The proxy carries the section's description (members and their PEs), so it can
// be packed into messages; unpacking it tells the receiving PE about the section.
#pragma once

#include <memory>
#include <vector>

#include "charm/detail/runtime_calls.h"
#include "charm/proxy.h"
#include "charm/section.h"

namespace charm {

template <class T>
class SectionProxy {
 public:
  SectionProxy() = default;

  // A section of `array` over `indices`, in that order (gather results follow
  // it). Throws std::out_of_range for an index outside the array and
  // std::invalid_argument for an empty list or a repeated index.
  static SectionProxy create(const ArrayProxy<T>& array, const std::vector<ArrayIndex>& indices) {
    const int n = numPes();
    std::vector<SectionMember> members;
    members.reserve(indices.size());
    for (const ArrayIndex& index : indices) {
      checkIndexInRange(index, array.dims());
      members.push_back({array.id(), index, defaultMapPe(index, array.dims(), n)});
    }
    return SectionProxy(std::move(members));
  }
  // A section of `group` over the elements on `pes`, in that order.
  static SectionProxy create(const GroupProxy<T>& group, const std::vector<int>& pes) {
    std::vector<SectionMember> members;
    members.reserve(pes.size());
    for (int pe : pes) members.push_back({group.id(), ArrayIndex::of1d(pe), group[pe].pe()});
    return SectionProxy(std::move(members));
  }

  // The section's id, for contribute(..., section); this PE knows the section.
  SectionId id() const { return spec_ ? spec_->id : 0; }
  std::size_t size() const { return spec_ ? spec_->members.size() : 0; }

  // Calls Method on every member, each exactly once.
  template <auto Method, class... A>
  void broadcast(A&&... args) const {
    detail::checkEntryOf<T, Method>();
    requireSection();
    detail::broadcastSection(
        spec_->id, {{spec_->members.front().collection, Entry<Method>::id()}},
        detail::packArguments<detail::ParamsOf<Method>>(std::forward<A>(args)...));
  }

  void pup(Pup& p) {
    bool present = static_cast<bool>(spec_);
    p | present;
    if (!present) return;
    if (p.isUnpacking()) {
      SectionSpec spec;
      p | spec;
      spec_ = std::make_shared<const SectionSpec>(detail::addSection(std::move(spec)));
    } else {
      SectionSpec copy = *spec_;
      p | copy;
    }
  }

 private:
  explicit SectionProxy(std::vector<SectionMember> members) {
    SectionSpec spec;
    spec.id = detail::newSectionId();
    spec.root = myPe();
    spec.members = std::move(members);
    spec_ = std::make_shared<const SectionSpec>(detail::addSection(std::move(spec)));
  }
  void requireSection() const {
    if (!spec_) throw std::logic_error("charm: broadcast through an empty SectionProxy");
  }

  std::shared_ptr<const SectionSpec> spec_;
};

}  // namespace charm
