// Whole-file reads and atomic writes: outputs appear complete or not at all, so a killed run
// never leaves a half-written report that a resumed run would trust.
#pragma once
#include <string>

namespace rowsim {

std::string read_file(const std::string& path);
// Writes to PATH.tmp.PID, flushes, then renames over PATH. Creates missing parent directories.
void write_file_atomic(const std::string& path, const std::string& content);
// Appends one line and flushes it to disk, for logs that a resumed run reads back.
void append_line_durable(const std::string& path, const std::string& line);
bool file_exists(const std::string& path);
void make_directories(const std::string& path);

}  // namespace rowsim
