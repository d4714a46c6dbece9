// What callers hand the stock engine and what they get back.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/movement.h"
#include "core/product.h"
#include "core/requests.h"
#include "core/result.h"
#include "core/stock_rules.h"

namespace restock {

struct PatchProduct {
    std::string sku;
    ProductPatch patch;
};

using Command =
    std::variant<NewProduct, PatchProduct, CheckoutRequest, ReceiptRequest, AdjustmentRequest>;

struct ProductOutcome {
    Product product;
    bool created = false;
};

struct CheckoutLineOutcome {
    std::string sku;
    int64_t qty = 0;
    int64_t movement_id = 0;
    int64_t available = 0;  // after the checkout
};

struct CheckoutOutcome {
    std::string order_id;
    std::vector<CheckoutLineOutcome> lines;
    int64_t at_ms = 0;
};

// Nothing was taken: these lines lack stock.
struct CheckoutRefused {
    std::string order_id;
    std::vector<Shortfall> shortfalls;
};

struct MovementOutcome {
    Movement movement;
    Product product;
    bool replayed = false;  // a receipt with a reference already booked: nothing was added
};

// The first response to the same Idempotency-Key, replayed verbatim.
struct StoredResponse {
    int status = 0;
    std::string body;
};

using Outcome = std::variant<Error, ProductOutcome, CheckoutOutcome, CheckoutRefused,
                             MovementOutcome, StoredResponse>;

struct IdempotencyTag {
    std::string principal;
    std::string key;
    std::string fingerprint;
};

// One command on its way through the engine.
struct Submission {
    Command command;
    // With a tag, the engine stores render(outcome) in the same transaction as the change, and
    // answers a repeat with it. REQUIRES: render is set when tag is, and is pure.
    std::optional<IdempotencyTag> idempotency;
    std::function<StoredResponse(const Outcome&)> render;
    // Called exactly once on the engine's thread, after the outcome is durable. Must not block.
    std::function<void(Outcome)> done;
};

}  // namespace restock
