// Reading a file argument: only regular files are read, and never more than a stated cap, so a
// stream (/dev/zero, a FIFO) or a huge file is refused by name instead of filling memory.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include "workloads/util/error.hpp"
#include "workloads/util/failure.hpp"
#include "workloads/util/file_io.hpp"

using namespace rowsim;

TEST_CASE("read_file refuses a character device instead of reading it forever", "[file_io][errors]") {
  CHECK_THROWS_WITH(read_file("/dev/zero"), Catch::Contains("/dev/zero") && Catch::Contains("not a regular file") &&
                                                Catch::Contains("character device"));
}

TEST_CASE("read_file refuses a FIFO without waiting for a writer", "[file_io][errors]") {
  std::string fifo = "/tmp/rowsim_test_fifo_" + std::to_string(::getpid());
  ::unlink(fifo.c_str());
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_THROWS_WITH(read_file(fifo), Catch::Contains(fifo) && Catch::Contains("not a regular file") &&
                                         Catch::Contains("FIFO"));
  ::unlink(fifo.c_str());
}

TEST_CASE("read_file refuses a directory by name", "[file_io][errors]") {
  CHECK_THROWS_WITH(read_file("/tmp"), Catch::Contains("/tmp") && Catch::Contains("directory"));
}

TEST_CASE("read_file refuses a file larger than the cap, naming its size and the cap", "[file_io][errors]") {
  // A sparse file one byte over the 4 GiB cap: no disk space and nothing read.
  std::string path = "/tmp/rowsim_test_huge_" + std::to_string(::getpid()) + ".bin";
  { std::ofstream(path).put('x'); }
  std::filesystem::resize_file(path, kMaxReadFileBytes + 1);
  CHECK_THROWS_WITH(read_file(path), Catch::Contains(path) && Catch::Contains("4294967297 bytes") &&
                                         Catch::Contains("4294967296"));
  // A smaller cap applies the same way to a small file.
  std::string small = path + ".small";
  { std::ofstream(small) << "0123456789"; }
  CHECK(read_file(small, 10) == "0123456789");
  CHECK_THROWS_WITH(read_file(small, 9), Catch::Contains(small) && Catch::Contains("10 bytes") &&
                                             Catch::Contains("cap of 9"));
  std::remove(path.c_str());
  std::remove(small.c_str());
}

TEST_CASE("read_file still reads regular files and names a missing one", "[file_io]") {
  std::string path = "/tmp/rowsim_test_small_" + std::to_string(::getpid()) + ".txt";
  { std::ofstream(path, std::ios::binary) << std::string("a\0b", 3); }
  CHECK(read_file(path) == std::string("a\0b", 3));
  std::remove(path.c_str());
  CHECK_THROWS_WITH(read_file("/no/such/file.yaml"), Catch::Contains("/no/such/file.yaml"));
}

TEST_CASE("A full disk is the environment's failure, a refused path the user's", "[file_io][errors]") {
  // /dev/full fails every write with ENOSPC, as a full disk does.
  CHECK_THROWS_AS(append_line_durable("/dev/full", "a line"), EnvironmentError);
  CHECK_THROWS_WITH(append_line_durable("/dev/full", "a line"), Catch::Contains("/dev/full"));
  CHECK_THROWS_AS(file_write_failure("out.json: write failed", ENOSPC), EnvironmentError);
  CHECK_THROWS_AS(file_write_failure("out.json: write failed", EIO), EnvironmentError);
  CHECK_THROWS_AS(file_write_failure("out.json: cannot write file", EACCES), UserError);
  CHECK_THROWS_WITH(file_write_failure("out.json: cannot write file", EACCES), Catch::Contains("out.json"));
}
