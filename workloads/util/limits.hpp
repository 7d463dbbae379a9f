// The size limits on what a file may claim (docs/testing.md, "Limits on what a file may claim"),
// checked before anything is allocated or computed. Each has a default and a ceiling: the
// environment variable ROWSIM_LIMITS ("file-bytes=8G,sweep-points=20M") lowers any of them and
// raises those bound only by memory (the ceiling of a limit set by rowsim's 32-bit dimensions or
// 64-bit counts is its default). The variable is read once; a bad spec is a UserError naming it.
#pragma once
#include <cstdint>
#include <string>

namespace rowsim {

enum class Limit {
  TensorElements,          // elements of one tensor for one image
  LayerMacs,               // multiply-accumulates of one layer for one image
  Batch,                   // images per batch
  FileBytes,               // bytes read from one file, and bytes a gzipped file decompresses to
  SafetensorsHeaderBytes,  // a safetensors file's JSON header
  OnnxDim,                 // one dimension of an ONNX tensor or attribute
  OnnxElements,            // elements of one ONNX tensor
  NetFileDim,              // a channel count or spatial size in a network file
  ArraySide,               // PE array rows or columns
  SweepAxisValues,         // values of one sweep axis
  SweepPoints,             // points of one sweep
};

// The limit in effect (the default, or ROWSIM_LIMITS's value). The first call reads the
// environment; a bad ROWSIM_LIMITS throws UserError on every call.
int64_t limit(Limit which);
// The limit's name in ROWSIM_LIMITS, e.g. "file-bytes".
const char* limit_name(Limit which);
// Where a refusal points the user: "(limit tensor-elements: docs/testing.md)".
std::string limit_hint(Limit which);
// Parses ROWSIM_LIMITS now, so that a bad value is reported before any work.
void check_limits();

// For tests: the limit a ROWSIM_LIMITS spec gives, without the environment ("" is the default).
int64_t limit_from_spec(const std::string& spec, Limit which);

}  // namespace rowsim
