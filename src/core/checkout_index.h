// The checkout index: which movements each storefront order made (the stock its checkouts took
// and its releases gave back), so that an order can be released days later by its id alone.
//
// It is kept off the checkout's hot path. A B-tree keyed by order id, written with every group
// commit, costs one index page per checkout once the ids come in no order (engine bench with
// random order ids: 645k checkouts/s without such an index, 58k with one), so the index is
// built like an LSM tree's runs instead:
//   - an entry is the order id's 64-bit hash (its key) and the movement's id: 16 bytes;
//   - the entries since the last complete run live in memory (the tail), in commit order;
//   - once the tail holds `run_entries`, it becomes a run: sorted by key and written, a few
//     slices per group commit, as text appended under a new run number (sequential writes,
//     whatever the ids);
//   - a run whose last slice is written is complete, and so is everything up to its `through`
//     movement: after a restart, only the movements after it are read back into the tail.
// A lookup collects the movement ids under the order's key from the tail, the run being
// written, and one slice per complete run; the caller reads those movements from the ledger and
// keeps the ones that name the order (a key may be shared). The index is derived data: the
// ledger stays the truth, and the tail is rebuilt from it. Pure logic: no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace restock {

struct CheckoutEntry {
    int64_t key = 0;  // checkout_key(order_id)
    int64_t movement_id = 0;
};

// A stable 64-bit hash of the order id (FNV-1a): it is stored, so it never changes.
int64_t checkout_key(std::string_view order_id);

// One slice of a run: entries sorted by (key, movement_id), as text for storage.
std::string encode_slice(std::span<const CheckoutEntry> entries);
// Appends the movement ids under `key` to `out`; false (and nothing appended) if `text` is
// not a slice.
bool find_in_slice(std::string_view text, int64_t key, std::vector<int64_t>& out);

// On disk: runs 1..runs are complete, and hold every indexed movement up to `through`.
struct CheckoutIndexMark {
    int64_t runs = 0;
    int64_t through = 0;
};

struct CheckoutSlice {
    int64_t run = 0;
    int64_t first_key = 0;  // the smallest key in it; a key's entries never span two slices
    std::string entries;    // encode_slice()
};

// What one group commit writes of the index.
struct CheckoutIndexWrite {
    // The first slices of a run: the store first deletes any slices of this run (or later)
    // that an earlier writer left half written.
    bool starts_run = false;
    std::vector<CheckoutSlice> slices;
    std::optional<CheckoutIndexMark> completes;  // the run is complete with these slices
    std::size_t run_end = 0;                     // entries of the run written with this

    bool empty() const { return slices.empty(); }
};

class CheckoutIndex {
  public:
    static constexpr std::size_t kRunEntries = 65'536;
    static constexpr std::size_t kSliceEntries = 512;

    // `tail`: the indexed movements after mark.through, in id order.
    explicit CheckoutIndex(CheckoutIndexMark mark = {}, std::vector<CheckoutEntry> tail = {},
                           std::size_t run_entries = kRunEntries,
                           std::size_t slice_entries = kSliceEntries);

    // A committed movement of a checkout or release, newer than every one added before.
    void add(CheckoutEntry entry) {
        tail_.push_back(entry);
        ++added_;
    }
    // Appends the movement ids under `key` that are not in a complete run.
    void find(int64_t key, std::vector<int64_t>& out) const;
    const CheckoutIndexMark& mark() const { return mark_; }
    std::size_t in_memory() const { return tail_.size() + run_.size(); }

    // What the next group commit should write: nothing until the tail holds a run's worth,
    // then slices for about twice the entries added since the last call, so a run is written
    // before the next one is due. `everything`: the whole run at once (at start, when the
    // tail is already large).
    CheckoutIndexWrite next(bool everything = false);
    // The commit holding `write` succeeded. (One that failed changed nothing: the next call
    // proposes the same slices again.)
    void written(const CheckoutIndexWrite& write);

  private:
    CheckoutIndexMark mark_;
    std::vector<CheckoutEntry> tail_;  // id order
    std::vector<CheckoutEntry> run_;   // the run being written, sorted; empty: none
    int64_t run_through_ = 0;
    std::size_t run_written_ = 0;  // entries of run_ committed in slices
    std::size_t added_ = 0;        // since the last next()
    std::size_t run_entries_;
    std::size_t slice_entries_;
};

}  // namespace restock
