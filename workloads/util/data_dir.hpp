// Where rowsim's shipped data lives: the arch specs, experiment files, technology tables and
// trained weights, laid out as in the source tree (configs/..., workloads/weights/...). Found at
// run time, never compiled in, so a copied or installed binary reads its own data.
#pragma once
#include <string>

namespace rowsim {

struct DataDir {
  std::string path;    // the directory holding configs/ and workloads/weights/
  std::string origin;  // how it was found, for messages ("ROWSIM_DATA_DIR", "../share/rowsim relative to ...")
};

// The first of: $ROWSIM_DATA_DIR; ../share/rowsim from the executable's directory (an installed
// rowsim; the install's bin and data directories set the relative path);
// the directory named in the file rowsim-data-dir beside the executable (a build tree: CMake
// records the source tree there at configure time). A UserError naming every place looked when
// none is a directory. Computed once.
const DataDir& data_dir();

}  // namespace rowsim
