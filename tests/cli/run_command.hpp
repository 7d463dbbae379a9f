// Runs the rowsim binary as a user would and captures exit status, stdout and stderr.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

struct CommandResult {
  int exit_code = -1;
  std::string out, err;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline size_t count_lines(const std::string& path) {
  size_t n = 0;
  for (char c : slurp(path)) n += c == '\n';
  return n;
}

// `args` is appended to the binary path and run by /bin/sh.
inline CommandResult run_rowsim(const std::string& args) {
  std::string base = "/tmp/rowsim_cli_test_" + std::to_string(::getpid()) + "_" + std::to_string(std::rand());
  std::string cmd = std::string("CI=1 ") + ROWSIM_BINARY + " " + args + " >" + base + ".out 2>" + base + ".err";
  int status = std::system(cmd.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(base + ".out");
  r.err = slurp(base + ".err");
  std::remove((base + ".out").c_str());
  std::remove((base + ".err").c_str());
  return r;
}

// A fresh directory under /tmp for one test, removed with everything in it when the test ends.
struct ScratchDir {
  std::string dir;
  explicit ScratchDir(const std::string& name) : dir("/tmp/rowsim_" + name + "_" + std::to_string(::getpid())) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  ~ScratchDir() { std::filesystem::remove_all(dir); }
};
