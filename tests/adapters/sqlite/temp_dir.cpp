#include "adapters/sqlite/temp_dir.h"

#include <stdlib.h>

#include <stdexcept>
#include <system_error>

namespace restock::testing {

TempDir::TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "restock-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
        throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    }
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

}  // namespace restock::testing
