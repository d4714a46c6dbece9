// DataDirLock on a real directory: one owner at a time, and the refusal names the owner.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "adapters/sqlite/data_dir_lock.h"
#include "adapters/sqlite/temp_dir.h"

namespace restock::testing {
namespace {

using sqlite::DataDirLock;

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(DataDirLockDbTest, TheSecondAcquireIsRefusedNamingTheOwner) {
    TempDir dir;
    auto first = DataDirLock::acquire(dir.path(), "restock serve");
    ASSERT_TRUE(first.ok()) << first.error().message;
    // flock locks belong to the open file description: a second open in this process is
    // refused just as another process would be.
    auto second = DataDirLock::acquire(dir.path(), "restock demo");
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(second.error().message.find("pid " + std::to_string(::getpid()) + " (restock serve)"),
              std::string::npos)
        << second.error().message;
    EXPECT_EQ(second.error().message.find('\n'), std::string::npos);
}

TEST(DataDirLockDbTest, ReleasingFreesTheDirAndForgetsTheOwner) {
    TempDir dir;
    {
        auto first = DataDirLock::acquire(dir.path(), "restock serve");
        ASSERT_TRUE(first.ok()) << first.error().message;
        EXPECT_NE(read_file(dir.file("restock.lock")).find("restock serve"), std::string::npos);
    }
    EXPECT_EQ(read_file(dir.file("restock.lock")), "");
    auto again = DataDirLock::acquire(dir.path(), "restock demo");
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_NE(read_file(dir.file("restock.lock")).find("restock demo"), std::string::npos);
}

TEST(DataDirLockDbTest, AMissingDirIsAClearError) {
    TempDir dir;
    auto lock = DataDirLock::acquire(dir.file("absent"), "restock serve");
    ASSERT_FALSE(lock.ok());
    EXPECT_NE(lock.error().message.find("cannot open"), std::string::npos);
}

}  // namespace
}  // namespace restock::testing
