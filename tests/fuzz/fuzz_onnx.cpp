// libFuzzer target for the ONNX importer (`--net-file model.onnx`, and ONNX weights files). The
// model is imported from the scratch directory, where tiny_external.onnx.data (the external data
// of the fixture of that name) lies beside it, so mutations of that fixture reach the external
// data reader too. Half the inputs (by length) are imported with unsupported operators allowed.
// The import must succeed or raise a UserError.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "tests/fuzz/fuzz_support.hpp"
#include "workloads/onnx_import.hpp"

using namespace rowsim;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool external_data_copied = [] {
    const char* data_file = ROWSIM_ONNX_FIXTURES "/tiny_external.onnx.data";
    std::filesystem::copy_file(data_file, fuzz::scratch_dir() + "/tiny_external.onnx.data",
                               std::filesystem::copy_options::overwrite_existing);
    return true;
  }();
  (void)external_data_copied;
  OnnxImportOptions options;
  options.not_costed_ok = size % 2 == 1;
  const std::string path = fuzz::scratch_dir() + "/model.onnx";
  fuzz::expect_success_or_user_error(
      [&] { import_onnx(std::string(reinterpret_cast<const char*>(data), size), path, options); });
  return 0;
}
