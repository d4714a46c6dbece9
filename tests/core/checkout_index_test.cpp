// The checkout index (core/checkout_index.h): slices read back what was written, runs start
// at their size and are written a few slices at a time, and every entry is found exactly once
// wherever it lives (tail, run in progress), before and after a failed commit.
#include "core/checkout_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace restock {
namespace {

CheckoutEntry entry(const std::string& order_id, int64_t movement_id) {
    return CheckoutEntry{checkout_key(order_id), movement_id};
}

std::vector<int64_t> sorted(std::vector<int64_t> ids) {
    std::sort(ids.begin(), ids.end());
    return ids;
}

// Slices "on disk": the test keeps what the index wrote, as a store would.
struct Disk {
    std::vector<CheckoutSlice> slices;
    CheckoutIndexMark mark;

    void apply(const CheckoutIndexWrite& write) {
        if (write.starts_run && !write.slices.empty()) {
            const int64_t run = write.slices.front().run;
            std::erase_if(slices, [&](const CheckoutSlice& s) { return s.run >= run; });
        }
        for (const auto& slice : write.slices) slices.push_back(slice);
        if (write.completes) mark = *write.completes;
    }
    // What a lookup reads from the store: per complete run, the slice that may hold the key.
    std::vector<int64_t> find(const std::string& order_id) const {
        const int64_t key = checkout_key(order_id);
        std::vector<int64_t> out;
        for (int64_t run = 1; run <= mark.runs; ++run) {
            const CheckoutSlice* best = nullptr;
            for (const auto& s : slices) {
                if (s.run == run && s.first_key <= key && (!best || s.first_key > best->first_key))
                    best = &s;
            }
            if (best) {
                EXPECT_TRUE(find_in_slice(best->entries, key, out));
            }
        }
        return out;
    }
};

// The movement ids under the order's key, wherever they are.
std::vector<int64_t> ids(const CheckoutIndex& index, const Disk& disk,
                         const std::string& order_id) {
    std::vector<int64_t> found = disk.find(order_id);
    index.find(checkout_key(order_id), found);
    return sorted(found);
}

TEST(CheckoutKey, IsStableAcrossBuildsAndRuns) {
    // FNV-1a 64 of known strings: stored keys must never change meaning.
    EXPECT_EQ(static_cast<uint64_t>(checkout_key("")), 0xcbf29ce484222325ULL);
    EXPECT_EQ(static_cast<uint64_t>(checkout_key("a")), 0xaf63dc4c8601ec8cULL);
    EXPECT_NE(checkout_key("order-1"), checkout_key("order-2"));
}

TEST(CheckoutSlice, ReadsBackTheMovementsUnderAKey) {
    std::vector<CheckoutEntry> entries = {
        entry("o 1", 10),     entry("o 1", 12),
        entry("other", 11),   CheckoutEntry{INT64_MIN, 7},
        CheckoutEntry{-1, 8}, CheckoutEntry{INT64_MAX, 9'007'199'254'740'993}};
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        return a.key != b.key ? a.key < b.key : a.movement_id < b.movement_id;
    });
    const std::string text = encode_slice(entries);
    std::vector<int64_t> found;
    ASSERT_TRUE(find_in_slice(text, checkout_key("o 1"), found));
    EXPECT_EQ(found, (std::vector<int64_t>{10, 12}));
    for (const auto& [key, id] :
         {std::pair<int64_t, int64_t>{INT64_MIN, 7}, {-1, 8}, {INT64_MAX, 9'007'199'254'740'993}}) {
        found.clear();
        ASSERT_TRUE(find_in_slice(text, key, found));
        EXPECT_EQ(found, std::vector<int64_t>{id}) << key;
    }
    found.clear();
    ASSERT_TRUE(find_in_slice(text, checkout_key("nobody"), found));
    EXPECT_TRUE(found.empty());
}

TEST(CheckoutSlice, RefusesTextThatIsNoSlice) {
    std::vector<int64_t> found;
    const std::vector<CheckoutEntry> one = {entry("o", 1)};
    const std::string good = encode_slice(one);
    const int64_t key = checkout_key("o");
    EXPECT_FALSE(find_in_slice("", key, found));
    EXPECT_FALSE(find_in_slice("hello", key, found));
    EXPECT_FALSE(find_in_slice(good.substr(0, good.size() - 1), key, found));  // cut short
    EXPECT_FALSE(find_in_slice(good + "12", key, found));
    std::string bad_digit = good;
    bad_digit[bad_digit.size() - 10] = 'x';  // in the key
    EXPECT_FALSE(find_in_slice(bad_digit, key, found));
    EXPECT_TRUE(found.empty());
    EXPECT_TRUE(find_in_slice(good, key, found));
    EXPECT_EQ(found, std::vector<int64_t>{1});
}

TEST(CheckoutIndex, KeepsEntriesInMemoryUntilARunsWorth) {
    CheckoutIndex index({}, {}, /*run_entries=*/4, /*slice_entries=*/2);
    for (int i = 1; i <= 3; ++i) index.add(entry("o-" + std::to_string(i), i));
    EXPECT_TRUE(index.next().empty());
    std::vector<int64_t> found;
    index.find(checkout_key("o-2"), found);
    EXPECT_EQ(found, std::vector<int64_t>{2});
}

TEST(CheckoutIndex, WritesARunInSlicesAndCompletesIt) {
    CheckoutIndex index({}, {}, /*run_entries=*/8, /*slice_entries=*/2);
    Disk disk;
    for (int i = 1; i <= 8; ++i) index.add(entry("o-" + std::to_string(i), i));
    // 8 added since the last call: a budget of 16 entries writes the whole run.
    CheckoutIndexWrite write = index.next();
    EXPECT_TRUE(write.starts_run);
    EXPECT_EQ(write.slices.size(), 4u);
    ASSERT_TRUE(write.completes);
    EXPECT_EQ(write.completes->runs, 1);
    EXPECT_EQ(write.completes->through, 8);
    for (std::size_t i = 1; i < write.slices.size(); ++i) {
        EXPECT_LT(write.slices[i - 1].first_key, write.slices[i].first_key);  // appended
    }
    disk.apply(write);
    index.written(write);
    EXPECT_EQ(index.mark().runs, 1);
    EXPECT_EQ(index.in_memory(), 0u);
    for (int i = 1; i <= 8; ++i) {
        EXPECT_EQ(ids(index, disk, "o-" + std::to_string(i)), std::vector<int64_t>{i});
    }
}

TEST(CheckoutIndex, SpreadsARunOverCommitsByWhatComesIn) {
    Disk disk;
    // A run due while only one entry came in since the last call (the tail came from the
    // store): a slice per commit, so no commit carries the whole run.
    std::vector<CheckoutEntry> tail;
    for (int64_t i = 0; i < 16; ++i) tail.push_back(entry("q-" + std::to_string(i), i + 1));
    CheckoutIndex index({}, std::move(tail), 16, 2);
    index.add(entry("q-16", 17));  // one addition: budget max(2, 2) = one slice per commit
    int commits = 0;
    while (true) {
        CheckoutIndexWrite write = index.next();
        if (write.empty()) break;
        EXPECT_EQ(write.starts_run, commits == 0);
        EXPECT_LE(write.slices.size(), 1u);
        disk.apply(write);
        index.written(write);
        ++commits;
        // Every entry is found exactly once, wherever it is, at every step.
        for (int64_t i = 0; i <= 16; ++i) {
            EXPECT_EQ(ids(index, disk, "q-" + std::to_string(i)), std::vector<int64_t>{i + 1})
                << "q-" << i << " after " << commits << " commits";
        }
        if (index.mark().runs == 1) break;
    }
    EXPECT_EQ(commits, 9);  // 17 entries, 2 per slice, one slice per commit
    EXPECT_EQ(index.mark().through, 17);
}

TEST(CheckoutIndex, NeverSplitsOneKeyAcrossSlices) {
    CheckoutIndex index({}, {}, /*run_entries=*/6, /*slice_entries=*/2);
    Disk disk;
    // One order of five lines, then one more order: the first slice holds all five.
    for (int64_t i = 1; i <= 5; ++i) index.add(entry("big", i));
    index.add(entry("small", 6));
    CheckoutIndexWrite write = index.next(/*everything=*/true);
    disk.apply(write);
    index.written(write);
    EXPECT_EQ(ids(index, disk, "big"), (std::vector<int64_t>{1, 2, 3, 4, 5}));
    EXPECT_EQ(ids(index, disk, "small"), std::vector<int64_t>{6});
    EXPECT_EQ(write.slices.size(), 2u);
}

TEST(CheckoutIndex, AFailedCommitIsProposedAgainWithNothingLost) {
    CheckoutIndex index({}, {}, /*run_entries=*/4, /*slice_entries=*/1);
    Disk disk;
    for (int64_t i = 1; i <= 4; ++i) index.add(entry("o-" + std::to_string(i), i));
    const CheckoutIndexWrite lost = index.next();  // its commit fails: never applied
    ASSERT_FALSE(lost.empty());
    index.add(entry("o-5", 5));
    const CheckoutIndexWrite again = index.next();
    EXPECT_TRUE(again.starts_run);
    EXPECT_EQ(again.slices.front().first_key, lost.slices.front().first_key);
    disk.apply(again);
    index.written(again);
    for (int64_t i = 1; i <= 5; ++i) {
        EXPECT_EQ(ids(index, disk, "o-" + std::to_string(i)), std::vector<int64_t>{i});
    }
}

TEST(CheckoutIndex, ARestartResumesFromTheMarkAndTheTail) {
    Disk disk;
    {
        CheckoutIndex index({}, {}, /*run_entries=*/4, /*slice_entries=*/2);
        for (int64_t i = 1; i <= 4; ++i) index.add(entry("o-" + std::to_string(i), i));
        const CheckoutIndexWrite write = index.next(true);
        disk.apply(write);
        index.written(write);
        for (int64_t i = 5; i <= 9; ++i) index.add(entry("o-" + std::to_string(i), i));
        // A second run, half written when the process dies.
        CheckoutIndexWrite half = index.next();
        half.slices.resize(1);
        half.completes.reset();
        disk.apply(half);
    }
    // What a store hands back: the mark, and the movements after its `through`.
    std::vector<CheckoutEntry> tail;
    for (int64_t i = 5; i <= 9; ++i) tail.push_back(entry("o-" + std::to_string(i), i));
    CheckoutIndex index(disk.mark, std::move(tail), 4, 2);
    EXPECT_EQ(index.mark().runs, 1);
    const CheckoutIndexWrite write = index.next(true);
    EXPECT_TRUE(write.starts_run);  // the half-written run is written again from its start
    disk.apply(write);
    index.written(write);
    EXPECT_EQ(index.mark().runs, 2);
    EXPECT_EQ(index.mark().through, 9);
    for (int64_t i = 1; i <= 9; ++i) {
        EXPECT_EQ(ids(index, disk, "o-" + std::to_string(i)), std::vector<int64_t>{i});
    }
}

}  // namespace
}  // namespace restock
