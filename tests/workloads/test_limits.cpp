// ROWSIM_LIMITS: each limit's default, a spec that lowers or raises it, and every kind of bad spec
// answered with the variable, the item and what was expected.
#include <catch2/catch.hpp>

#include "workloads/network.hpp"
#include "workloads/util/error.hpp"
#include "workloads/util/file_io.hpp"
#include "workloads/util/limits.hpp"

using namespace rowsim;

namespace {

std::string spec_error(const std::string& spec) {
  try {
    limit_from_spec(spec, Limit::FileBytes);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("ROWSIM_LIMITS: defaults, lowered and raised limits", "[limits]") {
  CHECK(limit_from_spec("", Limit::TensorElements) == kMaxTensorElements);
  CHECK(limit_from_spec("", Limit::LayerMacs) == kMaxLayerMacs);
  CHECK(limit_from_spec("", Limit::Batch) == kMaxBatch);
  CHECK(limit_from_spec("", Limit::FileBytes) == int64_t(kMaxReadFileBytes));
  CHECK(limit_from_spec("", Limit::SweepPoints) == 10000000);
  CHECK(std::string(limit_name(Limit::SafetensorsHeaderBytes)) == "safetensors-header-bytes");
  // Suffixes are powers of 1024; limits not named keep their defaults.
  const std::string spec = "file-bytes=8G,tensor-elements=1000,sweep-points=3K,array-side=16";
  CHECK(limit_from_spec(spec, Limit::FileBytes) == int64_t(8) << 30);
  CHECK(limit_from_spec(spec, Limit::TensorElements) == 1000);
  CHECK(limit_from_spec(spec, Limit::SweepPoints) == 3072);
  CHECK(limit_from_spec(spec, Limit::ArraySide) == 16);
  CHECK(limit_from_spec(spec, Limit::Batch) == kMaxBatch);
  CHECK(limit_from_spec("safetensors-header-bytes=1T", Limit::SafetensorsHeaderBytes) == int64_t(1) << 40);
  // Without ROWSIM_LIMITS in the test's environment, the limits in effect are the defaults.
  if (!std::getenv("ROWSIM_LIMITS")) CHECK(limit(Limit::TensorElements) == kMaxTensorElements);
}

TEST_CASE("ROWSIM_LIMITS: a bad spec names the variable, the item and what was expected", "[limits][errors]") {
  auto has = [](const std::string& msg, std::initializer_list<const char*> parts) {
    INFO(msg);
    CHECK(msg.rfind("ROWSIM_LIMITS=", 0) == 0);
    for (const char* p : parts) CHECK(msg.find(p) != std::string::npos);
  };
  has(spec_error("file-bytes=lots"), {"file-bytes=lots", "expected a whole number from 1 to", "K, M, G or T"});
  has(spec_error("file-bytes=0"), {"file-bytes=0", "expected a whole number from 1"});
  has(spec_error("file-bytes=-5"), {"file-bytes=-5", "expected a whole number from 1"});
  has(spec_error("file-bytes=8Q"), {"file-bytes=8Q"});
  has(spec_error("file-bytes=99999999999999999999"), {"file-bytes=99999999999999999999"});
  has(spec_error("file-bytes=9000000000000T"), {"file-bytes=9000000000000T"});  // beyond 64 bits
  has(spec_error("file-bytes="), {"file-bytes=", "expected a whole number"});
  has(spec_error("filebytes=8G"), {"unknown limit 'filebytes'", "file-bytes", "tensor-elements", "sweep-points"});
  has(spec_error("file-bytes"), {"'file-bytes' is not NAME=VALUE"});
  has(spec_error("file-bytes=1G,file-bytes=2G"), {"'file-bytes' is given twice"});
  // Limits set by rowsim's own integer types can be lowered, not raised.
  has(spec_error("tensor-elements=4G"),
      {"tensor-elements=4G", "from 1 to 2147483647", "can be lowered, not raised", "the default is 2147483647"});
  has(spec_error("batch=2M"), {"batch=2M", "from 1 to 1048576"});
  CHECK(spec_error("batch=1M,tensor-elements=2147483647") == "");
}
