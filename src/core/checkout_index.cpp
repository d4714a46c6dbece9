#include "core/checkout_index.h"

#include <algorithm>
#include <charconv>
#include <utility>

namespace restock {
namespace {

// A slice is text, so both stores keep it in a plain text column and it reads well in psql:
// a format line, then one line per entry: the key in 16 hex digits, then the movement id.
constexpr std::string_view kSliceFormat = "checkout-slice 1\n";
constexpr std::size_t kKeyDigits = 16;

bool by_key_then_id(const CheckoutEntry& a, const CheckoutEntry& b) {
    return a.key != b.key ? a.key < b.key : a.movement_id < b.movement_id;
}

// Sorts entries in id order by (key, movement id). Keys are hashes, spread evenly: one
// counting pass on their top bits leaves buckets of about one entry each, so the run sorts in
// linear time (with std::sort, the engine bench lost 5 % more).
std::vector<CheckoutEntry> sort_run(const std::vector<CheckoutEntry>& entries) {
    int shift = 64;
    std::size_t buckets = 1;
    while (buckets < entries.size() && shift > 48) {
        buckets <<= 1;
        --shift;
    }
    // Signed keys: flipping the sign bit makes their order the unsigned order of the bits.
    auto bucket = [shift](int64_t key) -> std::size_t {
        const uint64_t bits = static_cast<uint64_t>(key) ^ (uint64_t{1} << 63);
        return shift == 64 ? 0 : static_cast<std::size_t>(bits >> shift);
    };
    std::vector<std::size_t> starts(buckets + 1, 0);
    for (const auto& e : entries) ++starts[bucket(e.key) + 1];
    for (std::size_t b = 1; b <= buckets; ++b) starts[b] += starts[b - 1];
    std::vector<CheckoutEntry> out(entries.size());
    std::vector<std::size_t> next(starts.begin(), starts.end() - 1);
    for (const auto& e : entries) out[next[bucket(e.key)]++] = e;  // stable: ids stay in order
    for (std::size_t b = 0; b < buckets; ++b) {
        std::sort(out.begin() + static_cast<std::ptrdiff_t>(starts[b]),
                  out.begin() + static_cast<std::ptrdiff_t>(starts[b + 1]), by_key_then_id);
    }
    return out;
}

}  // namespace

int64_t checkout_key(std::string_view order_id) {
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (const char c : order_id) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;
    }
    return static_cast<int64_t>(hash);
}

std::string encode_slice(std::span<const CheckoutEntry> entries) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(kSliceFormat);
    out.reserve(out.size() + entries.size() * (kKeyDigits + 9));
    char line[kKeyDigits + 24];
    for (const auto& entry : entries) {
        auto bits = static_cast<uint64_t>(entry.key);
        for (std::size_t i = kKeyDigits; i-- > 0; bits >>= 4) line[i] = kHex[bits & 0xf];
        char* end = std::to_chars(line + kKeyDigits, line + sizeof line, entry.movement_id).ptr;
        *end++ = '\n';
        out.append(line, end);
    }
    return out;
}

bool find_in_slice(std::string_view text, int64_t key, std::vector<int64_t>& out) {
    if (text.substr(0, kSliceFormat.size()) != kSliceFormat) return false;
    const char* at = text.data() + kSliceFormat.size();
    const char* const end = text.data() + text.size();
    const std::size_t before = out.size();
    auto refuse = [&] {
        out.resize(before);
        return false;
    };
    while (at != end) {
        if (static_cast<std::size_t>(end - at) < kKeyDigits + 2) return refuse();
        uint64_t bits = 0;
        const auto [key_end, key_error] = std::from_chars(at, at + kKeyDigits, bits, 16);
        if (key_error != std::errc() || key_end != at + kKeyDigits) return refuse();
        int64_t movement_id = 0;
        const auto [id_end, id_error] = std::from_chars(key_end, end, movement_id);
        if (id_error != std::errc() || id_end == end || *id_end != '\n') return refuse();
        if (static_cast<int64_t>(bits) == key) out.push_back(movement_id);
        at = id_end + 1;
    }
    return true;
}

CheckoutIndex::CheckoutIndex(CheckoutIndexMark mark, std::vector<CheckoutEntry> tail,
                             std::size_t run_entries, std::size_t slice_entries)
    : mark_(mark),
      tail_(std::move(tail)),
      run_entries_(std::max<std::size_t>(1, run_entries)),
      slice_entries_(std::max<std::size_t>(1, slice_entries)) {}

void CheckoutIndex::find(int64_t key, std::vector<int64_t>& out) const {
    auto it = std::lower_bound(run_.begin(), run_.end(), key,
                               [](const CheckoutEntry& e, int64_t k) { return e.key < k; });
    for (; it != run_.end() && it->key == key; ++it) out.push_back(it->movement_id);
    for (const auto& entry : tail_) {
        if (entry.key == key) out.push_back(entry.movement_id);
    }
}

CheckoutIndexWrite CheckoutIndex::next(bool everything) {
    const std::size_t added = std::exchange(added_, 0);
    if (run_.empty()) {
        if (tail_.size() < run_entries_) return {};
        run_through_ = tail_.back().movement_id;
        run_ = sort_run(tail_);
        tail_.clear();
        run_written_ = 0;
    }
    CheckoutIndexWrite write;
    write.starts_run = run_written_ == 0;
    const int64_t run = mark_.runs + 1;
    const std::size_t budget = everything ? run_.size() : std::max(slice_entries_, 2 * added);
    std::size_t begin = run_written_;
    while (begin < run_.size() && begin - run_written_ < budget) {
        std::size_t end = std::min(run_.size(), begin + slice_entries_);
        while (end < run_.size() && run_[end].key == run_[end - 1].key) ++end;
        const std::span<const CheckoutEntry> entries(run_.data() + begin, end - begin);
        write.slices.push_back(CheckoutSlice{run, run_[begin].key, encode_slice(entries)});
        begin = end;
    }
    write.run_end = begin;
    if (begin == run_.size()) write.completes = CheckoutIndexMark{run, run_through_};
    return write;
}

void CheckoutIndex::written(const CheckoutIndexWrite& write) {
    if (write.empty()) return;
    run_written_ = write.run_end;
    if (write.completes) {
        mark_ = *write.completes;
        run_.clear();
        run_.shrink_to_fit();
        run_written_ = 0;
    }
}

}  // namespace restock
