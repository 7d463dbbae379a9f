// The two kinds of failure that are not the user's (a user's mistake is a UserError, error.hpp):
//   InternalError  a broken invariant in rowsim itself, raised by panic() with what was expected
//                  and what was found; the CLI reports it as a bug (exit 3);
//   EnvironmentError  the system refused what rowsim asked (fork, pipe, mmap, a full disk, an I/O
//                  error); the CLI reports it as a system error, not a bug (exit 4).
#pragma once
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "workloads/util/error.hpp"

namespace rowsim {

class InternalError : public std::logic_error {
public:
  explicit InternalError(const std::string& message) : std::logic_error(message) {}
};

class EnvironmentError : public std::runtime_error {
public:
  explicit EnvironmentError(const std::string& message) : std::runtime_error(message) {}
};

template <typename... Args>
[[noreturn]] void panic(fmt::format_string<Args...> format, Args&&... args) {
  throw InternalError(fmt::format(format, std::forward<Args>(args)...));
}

// `what` failed with errno `err`: the message ends with the system's reason.
[[noreturn]] inline void environment_failure(const std::string& what, int err) {
  throw EnvironmentError(fmt::format("{}: {}", what, std::strerror(err)));
}

// A failed write, rename or flush of a file the user named: a full disk, a quota or an I/O error is
// the environment's; anything else (no permission, not a directory) is the user's to fix.
[[noreturn]] inline void file_write_failure(const std::string& what, int err) {
  if (err == ENOSPC || err == EDQUOT || err == EIO || err == ENOMEM) environment_failure(what, err);
  throw UserError(fmt::format("{}: {}", what, std::strerror(err)));
}

}  // namespace rowsim
