// User-facing errors. A UserError is a mistake in what the user gave rowsim (a file, a flag, a
// value): the CLI prints its message and exits 2. Bugs in rowsim itself and failures of the system
// are the other two kinds (panic() and EnvironmentError, failure.hpp).
#pragma once
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace rowsim {

class UserError : public std::runtime_error {
public:
  explicit UserError(const std::string& message) : std::runtime_error(message) {}
};

// Throws UserError with a fmt-formatted message.
template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw UserError(fmt::format(format, std::forward<Args>(args)...));
}

// Runs `f`; a UserError from it is re-raised as "CONTEXT: message". The layers below name a
// setting by what it is and its value ("ratio '1-1': expected ..."), since a flag, a YAML key or a
// file's metadata may have given it; the caller, which knows which, adds that as the context.
template <class F>
auto with_context(const std::string& context, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const UserError& e) {
    fail("{}: {}", context, e.what());
  }
}

}  // namespace rowsim
