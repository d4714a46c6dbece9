// Bounds on every number and string the API accepts. One place, so docs, validation and
// tests agree.
#pragma once

#include <cstddef>
#include <cstdint>

namespace restock::limits {

inline constexpr int64_t kMaxQuantity = 1'000'000'000;  // any stock figure or quantity
inline constexpr int64_t kMaxCheckoutQty = 1'000'000;   // one checkout line
inline constexpr std::size_t kMaxCheckoutLines = 100;
inline constexpr std::size_t kMaxSkuLength = 64;
inline constexpr std::size_t kMaxNameLength = 200;
inline constexpr std::size_t kMaxIdLength = 64;          // order ids, factory ids, ad ids
inline constexpr std::size_t kMaxReferenceLength = 128;  // receipt references
inline constexpr std::size_t kMaxReasonLength = 256;     // adjustment reasons
inline constexpr std::size_t kMaxPageSize = 500;
inline constexpr std::size_t kDefaultPageSize = 50;

}  // namespace restock::limits
