// support: SHA-256 against published test vectors, RFC 3339 formatting of known instants,
// thread names, parallel_for's blocks.
#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "support/crypto.h"
#include "support/parallel_for.h"
#include "support/thread_name.h"
#include "support/time_format.h"

namespace restock::testing {
namespace {

TEST(Sha256Test, MatchesTheFips180TestVectors) {
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256Test, IsTheSameFromManyThreads) {
    // The algorithm handle is shared by every thread that hashes API keys.
    std::vector<std::thread> threads;
    std::atomic<int> mismatches{0};
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&mismatches] {
            for (int i = 0; i < 200; ++i) {
                if (sha256_hex("abc") !=
                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
                    ++mismatches;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(mismatches.load(), 0);
}

TEST(TimeFormatTest, FormatsUtcWithMilliseconds) {
    EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(format_rfc3339(1795787560123), "2026-11-27T13:52:40.123Z");
    EXPECT_EQ(format_rfc3339(951782400999), "2000-02-29T00:00:00.999Z");  // leap day
    EXPECT_EQ(format_rfc3339(253402300799999), "9999-12-31T23:59:59.999Z");
    EXPECT_EQ(format_rfc3339(1000), "1970-01-01T00:00:01.000Z");
    EXPECT_EQ(format_rfc3339(61'001), "1970-01-01T00:01:01.001Z");
}

TEST(TimeFormatTest, ParsesRfc3339BackToWhatItFormats) {
    for (int64_t ms :
         {int64_t{0}, int64_t{951782400999}, int64_t{1795787560123}, int64_t{253402300799999}}) {
        EXPECT_EQ(parse_rfc3339(format_rfc3339(ms)), ms) << ms;
    }
    EXPECT_EQ(parse_rfc3339("2026-11-27T13:52:40Z"), 1795787560000);
    EXPECT_EQ(parse_rfc3339("2026-11-27t13:52:40.1z"), 1795787560100);
    EXPECT_EQ(parse_rfc3339("2026-11-27T14:52:40.123456+01:00"), 1795787560123);
    EXPECT_EQ(parse_rfc3339("2026-11-27T08:22:40-05:30"), 1795787560000);
    EXPECT_EQ(parse_rfc3339("2024-02-29T00:00:00Z"), 1709164800000);  // leap day
    for (const char* bad :
         {"", "2026-11-27", "2026-11-27T13:52:40", "2026-11-27 13:52:40Z", "2026-13-01T00:00:00Z",
          "2023-02-29T00:00:00Z", "2026-11-31T00:00:00Z", "2026-11-27T24:00:00Z",
          "2026-11-27T13:52:40.Z", "2026-11-27T13:52:40Zjunk", "1969-12-31T23:59:59Z",
          "2026-11-27T13:52:40+1:00", "20261-11-27T13:52:40Z"}) {
        EXPECT_EQ(parse_rfc3339(bad), std::nullopt) << bad;
    }
}

TEST(ThreadNameTest, TheThreadRunsItsBodyUnderItsNameCutTo15Bytes) {
    std::string seen_short, seen_long;
    auto name_of_this_thread = [] {
        char name[32] = {};
        pthread_getname_np(pthread_self(), name, sizeof name);
        return std::string(name);
    };
    start_named_thread("restock-test", [&] { seen_short = name_of_this_thread(); }).join();
    start_named_thread("restock-a-very-long-name", [&] {
        seen_long = name_of_this_thread();
    }).join();
    EXPECT_EQ(seen_short, "restock-test");
    EXPECT_EQ(seen_long, "restock-a-very-");
}

TEST(ParallelForTest, RunsEveryIndexOnceWhateverTheThreads) {
    for (const unsigned threads : {0u, 1u, 2u, 5u}) {
        for (const std::size_t n :
             {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{1000}}) {
            std::vector<std::atomic<int>> runs(n);
            std::atomic<int> bad_blocks{0};
            parallel_for(n, threads, 16, [&](std::size_t begin, std::size_t end) {
                if (begin >= end || end > n || end - begin > 16) ++bad_blocks;
                for (std::size_t i = begin; i < end; ++i) ++runs[i];
            });
            EXPECT_EQ(bad_blocks.load(), 0) << threads << " threads, n " << n;
            for (std::size_t i = 0; i < n; ++i) {
                ASSERT_EQ(runs[i].load(), 1) << "index " << i << ", " << threads << " threads";
            }
        }
    }
}

TEST(ParallelForTest, UsesMoreThreadsOnlyWhenThereAreBlocksForThem) {
    const auto threads_seen = [](std::size_t n, unsigned threads, std::size_t block) {
        std::mutex mutex;
        std::set<std::thread::id> seen;
        parallel_for(n, threads, block, [&](std::size_t, std::size_t) {
            // Long enough that a started thread finds a block before the caller takes them all.
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
            std::lock_guard lock(mutex);
            seen.insert(std::this_thread::get_id());
        });
        return seen;
    };
    // One block, or one thread: the caller's thread alone.
    EXPECT_EQ(threads_seen(10, 4, 10), std::set<std::thread::id>{std::this_thread::get_id()});
    EXPECT_EQ(threads_seen(100, 1, 10), std::set<std::thread::id>{std::this_thread::get_id()});
    // Many blocks and two threads: both take some (each block sleeps, so neither takes all).
    const auto two = threads_seen(64, 2, 1);
    EXPECT_EQ(two.size(), 2u);
    EXPECT_EQ(two.count(std::this_thread::get_id()), 1u);
}

}  // namespace
}  // namespace restock::testing
