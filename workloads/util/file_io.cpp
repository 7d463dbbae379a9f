#include "workloads/util/file_io.hpp"
#include "workloads/util/failure.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "workloads/util/error.hpp"
#include "workloads/util/limits.hpp"

namespace rowsim {

namespace {

const char* file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// `at_least`: the file grew while it was read; `size` is what was read so far.
[[noreturn]] void too_large(const std::string& path, uint64_t size, uint64_t max_bytes, bool at_least) {
  const bool file_limit = max_bytes == uint64_t(limit(Limit::FileBytes));
  fail("{}: the file holds {}{} bytes, more than the cap of {} bytes rowsim reads from one file{}", path,
       at_least ? "at least " : "", size, max_bytes, file_limit ? " " + limit_hint(Limit::FileBytes) : "");
}

}  // namespace

std::string read_file(const std::string& path) { return read_file(path, uint64_t(limit(Limit::FileBytes))); }

std::string read_file(const std::string& path, uint64_t max_bytes) {
  // Look before opening: opening a FIFO blocks until a writer comes, and a stream never ends.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) fail("{}: cannot open file: {}", path, std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    fail("{}: not a regular file ({}); rowsim reads its inputs from regular files only", path, file_kind(st.st_mode));
  if (uint64_t(st.st_size) > max_bytes) too_large(path, uint64_t(st.st_size), max_bytes, false);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) fail("{}: cannot open file: {}", path, std::strerror(errno));
  // The path may have been replaced between stat and open: check what was opened.
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    fail("{}: not a regular file ({}); rowsim reads its inputs from regular files only", path, file_kind(st.st_mode));
  }
  std::string out;
  out.reserve(size_t(std::min<uint64_t>(uint64_t(st.st_size), max_bytes)));
  // Read to the end, but never past the cap (a file may grow while it is read, or report size 0
  // as files under /proc do).
  char buffer[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      fail("{}: read failed: {}", path, std::strerror(err));
    }
    if (n == 0) break;
    if (out.size() + size_t(n) > max_bytes) {
      ::close(fd);
      too_large(path, out.size() + size_t(n), max_bytes, true);
    }
    out.append(buffer, size_t(n));
  }
  ::close(fd);
  return out;
}

bool file_exists(const std::string& path) { return std::filesystem::exists(path); }

void make_directories(const std::string& path) {
  if (path.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) fail("{}: cannot create directory: {}", path, ec.message());
}

namespace {

// Writes all of `data` to `fd` (retrying short writes and interruptions); on failure a UserError,
// or an EnvironmentError when the disk is full or failing.
void write_all(int fd, const std::string& data, const std::string& path) {
  size_t written = 0;
  while (written < data.size()) {
    ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      file_write_failure(path + ": write failed", err);
    }
    written += static_cast<size_t>(n);
  }
}

}  // namespace

void write_file_atomic(const std::string& path, const std::string& content) {
  make_directories(std::filesystem::path(path).parent_path().string());
  std::string temp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) fail("{}: cannot write file: {}", path, std::strerror(errno));
  try {
    write_all(fd, content, path);
  } catch (const std::exception&) {
    ::unlink(temp.c_str());
    throw;
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    file_write_failure(path + ": cannot flush file to disk", err);
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    file_write_failure(path + ": cannot rename temporary file into place", err);
  }
}

void check_writable(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    fail("{}: is a directory; give a file name for the output (e.g. {}/out.safetensors)", path,
         std::filesystem::path(path).lexically_normal().string());
  make_directories(std::filesystem::path(path).parent_path().string());
  std::string temp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) fail("{}: cannot write the output here: {}", path, std::strerror(errno));
  ::close(fd);
  ::unlink(temp.c_str());
}

void append_line_durable(const std::string& path, const std::string& line) {
  make_directories(std::filesystem::path(path).parent_path().string());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) fail("{}: cannot open for appending: {}", path, std::strerror(errno));
  // One write() of a line under PIPE_BUF is atomic with O_APPEND; longer lines are still
  // written whole by one process, which is the only writer of this file.
  write_all(fd, line + "\n", path);
  ::fsync(fd);
  ::close(fd);
}

}  // namespace rowsim
