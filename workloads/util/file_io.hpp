// Whole-file reads and atomic writes: outputs appear complete or not at all, so a killed run
// never leaves a half-written report that a resumed run would trust.
#pragma once
#include <cstdint>
#include <string>

namespace rowsim {

// The most rowsim reads from one file by default (docs/workloads.md, "Files rowsim reads"): 4 GiB;
// the limit file-bytes (workloads/util/limits.hpp) overrides it.
inline constexpr uint64_t kMaxReadFileBytes = uint64_t(4) << 30;

// Reads a whole regular file. Anything else (a directory, a device such as /dev/zero, a FIFO, a
// socket) is refused by name before it is opened, and a file larger than `max_bytes` is refused
// with its size and the cap, so that no file argument can make rowsim read without bound. The cap
// is the limit file-bytes unless given.
std::string read_file(const std::string& path);
std::string read_file(const std::string& path, uint64_t max_bytes);
// Writes to PATH.tmp.PID, flushes, then renames over PATH. Creates missing parent directories.
void write_file_atomic(const std::string& path, const std::string& content);
// Appends one line and flushes it to disk, for logs that a resumed run reads back.
void append_line_durable(const std::string& path, const std::string& line);
// For outputs written after long work (training, pruning): fails now, naming the path, if it is a
// directory or nothing can be written there (by creating and removing PATH.tmp.PID; missing
// parent directories are created, as write_file_atomic would).
void check_writable(const std::string& path);
bool file_exists(const std::string& path);
void make_directories(const std::string& path);

}  // namespace rowsim
