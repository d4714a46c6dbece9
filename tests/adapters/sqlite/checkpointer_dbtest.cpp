// Checkpointer on a real SQLite file: under a steady stream of commits the WAL stays bounded.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <thread>

#include "adapters/sqlite/checkpointer.h"
#include "adapters/sqlite/temp_dir.h"

namespace restock::testing {
namespace {

using sqlite::Checkpointer;
using sqlite::CheckpointPolicy;
using sqlite::Connection;

TEST(CheckpointerDbTest, TheWalStaysBoundedUnderASteadyStreamOfCommits) {
    TempDir dir;
    const std::string path = dir.file("wal.db");
    auto writer = Connection::open(path, /*create=*/true);
    ASSERT_TRUE(writer.ok()) << writer.error().message;
    Connection& db = *writer.value();
    ASSERT_TRUE(
        db.exec("PRAGMA wal_autocheckpoint=0; PRAGMA synchronous=NORMAL;"
                "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)"));

    CheckpointPolicy policy;
    policy.interval = std::chrono::milliseconds(5);
    policy.commits = 16;
    policy.restart_frames = 64;
    auto checkpointer = Checkpointer::start(path, policy);
    ASSERT_TRUE(checkpointer.ok()) << checkpointer.error().message;

    // Commit after commit, each rewriting the same page plus a new one: the pattern of the
    // engine's batches, which leaves a PASSIVE checkpoint no time to catch up with the WAL.
    constexpr int kCommits = 6000;
    const std::string commit = "BEGIN IMMEDIATE; INSERT INTO t(v) VALUES (x'" +
                               std::string(2000, 'a') + "'); UPDATE t SET v = '" +
                               std::string(1000, 'x') + "' WHERE id = 1; COMMIT";
    for (int i = 0; i < kCommits; ++i) {
        ASSERT_TRUE(db.exec(commit));
        checkpointer.value()->notify_commit();
        std::this_thread::sleep_for(std::chrono::microseconds(50));  // as the engine between syncs
    }
    const auto wal_bytes = std::filesystem::file_size(path + "-wal");
    // Every commit appends about two 4 KiB frames: ~37 MB here when the WAL never starts over.
    EXPECT_LT(wal_bytes, 20u * 1024 * 1024) << "the WAL grew to " << wal_bytes << " bytes";
    checkpointer.value().reset();

    // Nothing was lost in the restarts.
    auto count = db.prepare("SELECT count(*) FROM t");
    ASSERT_TRUE(count.ok());
    auto row = count.value().step();
    ASSERT_TRUE(row.ok() && row.value());
    EXPECT_EQ(count.value().integer(0), kCommits);
}

}  // namespace
}  // namespace restock::testing
