// User-facing errors. A UserError is a mistake in what the user gave rowsim (a file, a flag, a
// value): the CLI prints its message and exits non-zero. Bugs in rowsim itself use assertions.
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

}  // namespace rowsim
