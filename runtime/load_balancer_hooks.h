// LoadBalancerHooks: how the runtime talks to the load balancer, which sits in
// lb/ above it (the runtime never includes lb/). lb/ registers a start-up hook at
// static initialisation; Runtime::run calls it on every PE before any message, and
// it installs the balancer's hooks with Runtime::loadMeter().setBalancer.
#pragma once

#include "charm/detail/envelope.h"
#include "charm/index.h"

namespace charm {

class ChareBase;
class Runtime;

class LoadBalancerHooks {
 public:
  virtual ~LoadBalancerHooks() = default;
  // An element called AtSync(): it is ready to move; resumeFromSync() follows.
  virtual void atSync(ChareBase& element) = 0;
  // A migrated element has landed on this PE.
  virtual void elementArrived(CollectionId collection, const ArrayIndex& index) = 0;
  // Array `collection` is being destroyed on this PE (ckDestroy): forget what is
  // kept for it. Called before its elements are deleted.
  virtual void collectionDestroyed(CollectionId collection) { (void)collection; }
};

// Functions run on every PE when Runtime::run starts, in registration order.
using StartupHook = void (*)(Runtime& runtime);
// Registers `hook` (call it during static initialisation); returns a dummy value
// so it can initialise a namespace-scope variable.
int registerStartupHook(StartupHook hook);

}  // namespace charm
