// Must NOT compile: calling an entry method of another chare type through a
// proxy. ctest compiles this file and expects the error message.
#include <charm.h>

struct A : charm::ArrayElement<A> {
  void f() {}
};
struct B : charm::ArrayElement<B> {
  void g() {}
};

void misuse(charm::ArrayProxy<A> a) { a[0].invoke<&B::g>(); }
