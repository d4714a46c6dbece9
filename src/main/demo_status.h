// The demo's status line: what the storefront traffic sees every few seconds, built from the
// server's own answers. Pure (the caller fetches and prints); tested in tests/main.
#pragma once

#include <cstdint>
#include <string>

#include "json/json.h"

namespace restock {

// What a status line is made of. A null answer (the request failed) shows its part as "?".
struct DemoStatus {
    int64_t now_ms = 0;
    int64_t accepted = 0;                   // checkouts answered 200 so far
    int64_t refused = 0;                    // ... 409: not enough stock
    const json::Value* products = nullptr;  // GET /v1/products
    const json::Value* orders = nullptr;    // GET /v1/restock-orders
    const json::Value* queues = nullptr;    // GET /v1/queues
};

// Printed once, before the first status line: what each field of it means.
std::string demo_status_legend(int every_seconds);

// One line, e.g.
// 2026-12-01T10:00:05Z ok=120 refused=3 | MUG-LOGO=2+50 CAP-RED=25+0 | orders open=1
// received=2 | dlq stock-ad-dlq=0 stock-empty-dlq=1 stock-error-dlq=0
std::string demo_status_line(const DemoStatus& status);

}  // namespace restock
