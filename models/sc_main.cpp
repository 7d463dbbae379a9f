// libsystemc.so refers to sc_main from its default main(); rowsim has its own main() and never
// calls it. The definition is an object linked into each executable that uses the SystemC model,
// not a member of the static rowsim_hw: the linker extracts an archive member only for symbols
// undefined when it scans the archive, and rowsim_hw comes before libsystemc.so on the link line,
// so sc_main was found only when the executable happened to use something else in its file (the
// sanitizer build of test_compression did not, and failed to link).
#include <cstdio>

// C linkage, as SystemC declares it (sc_externs.h), without including SystemC here.
extern "C" int sc_main(int, char**) {
  std::fprintf(stderr, "rowsim: sc_main is not used\n");
  return 1;
}
