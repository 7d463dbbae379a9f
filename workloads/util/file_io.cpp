#include "workloads/util/file_io.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <unistd.h>

#include "workloads/util/error.hpp"

namespace rowsim {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("{}: cannot open file: {}", path, std::strerror(errno));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

bool file_exists(const std::string& path) { return std::filesystem::exists(path); }

void make_directories(const std::string& path) {
  if (path.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) fail("{}: cannot create directory: {}", path, ec.message());
}

namespace {

// Writes all of `data` to `fd` (retrying short writes and interruptions); UserError on failure.
void write_all(int fd, const std::string& data, const std::string& path) {
  size_t written = 0;
  while (written < data.size()) {
    ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      fail("{}: write failed: {}", path, std::strerror(err));
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
  } catch (const UserError&) {
    ::unlink(temp.c_str());
    throw;
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(temp.c_str());
    fail("{}: cannot flush file to disk: {}", path, std::strerror(errno));
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    fail("{}: cannot rename temporary file into place: {}", path, std::strerror(err));
  }
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
