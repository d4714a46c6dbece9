#include "app/engine_test_support.h"

#include <chrono>
#include <memory>
#include <thread>

namespace restock::testing {

namespace {

StoredResponse response(int status, std::string body) {
    StoredResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

struct Render {
    StoredResponse operator()(const Error& e) const { return response(400, "error:" + e.slug); }
    StoredResponse operator()(const ProductOutcome& o) const {
        return response(o.created ? 201 : 200, "product:" + o.product.sku);
    }
    StoredResponse operator()(const CheckoutOutcome& o) const {
        std::string body = "checkout:" + o.order_id;
        for (const auto& line : o.lines) body += ":" + std::to_string(line.movement_id);
        return response(200, body);
    }
    StoredResponse operator()(const CheckoutRefused& o) const {
        return response(409, "refused:" + o.order_id);
    }
    StoredResponse operator()(const MovementOutcome& o) const {
        return response(201, "movement:" + std::to_string(o.movement.id));
    }
    StoredResponse operator()(const StoredResponse& o) const { return o; }
    // Outcomes of the restock loop and queue commands: their kind is enough here.
    template <typename Other>
    StoredResponse operator()(const Other&) const {
        return response(200, "other");
    }
};

}  // namespace

StoredResponse render_for_test(const Outcome& outcome) { return std::visit(Render{}, outcome); }

IdempotencyTag tag(std::string key, std::string fingerprint, std::string principal) {
    return IdempotencyTag{std::move(principal), std::move(key), std::move(fingerprint)};
}

std::future<Outcome> submit_async(StockEngine& engine, Command command,
                                  std::optional<IdempotencyTag> idempotency) {
    auto promise = std::make_shared<std::promise<Outcome>>();
    std::future<Outcome> future = promise->get_future();
    Submission submission;
    submission.command = std::move(command);
    if (idempotency) {
        submission.idempotency = std::move(idempotency);
        submission.render = render_for_test;
    }
    submission.done = [promise](Outcome outcome) { promise->set_value(std::move(outcome)); };
    engine.submit(std::move(submission));
    return future;
}

Outcome run(StockEngine& engine, Command command, std::optional<IdempotencyTag> idempotency) {
    return submit_async(engine, std::move(command), std::move(idempotency)).get();
}

void ensure_factory(StockEngine& engine, const std::string& id) {
    if (std::holds_alternative<FactoriesOutcome>(run(engine, GetFactories{id}))) return;
    Factory factory;
    factory.id = id;
    factory.url = "http://" + id + ".test";
    const Outcome put = run(engine, PutFactory{factory});
    ASSERT_TRUE(std::holds_alternative<FactoriesOutcome>(put)) << describe(put);
}

NewProduct new_product(std::string sku, int64_t on_hand, int64_t reorder_point,
                       int64_t reorder_qty) {
    NewProduct p;
    p.sku = std::move(sku);
    p.name = "Product " + p.sku;
    p.on_hand = on_hand;
    p.settings.reorder_point = reorder_point;
    p.settings.reorder_qty = reorder_qty;
    p.settings.factory_id = kTestFactory;
    return p;
}

CheckoutRequest checkout(std::string order_id, std::vector<CheckoutLine> lines) {
    return CheckoutRequest{std::move(order_id), std::move(lines)};
}

ReceiptRequest receipt(std::string sku, int64_t qty, std::string reference) {
    return ReceiptRequest{std::move(sku), qty, std::move(reference)};
}

AdjustmentRequest adjustment(std::string sku, int64_t delta, std::string reason) {
    return AdjustmentRequest{std::move(sku), delta, std::move(reason)};
}

PatchProduct patch(std::string sku, ProductPatch patch) {
    return PatchProduct{std::move(sku), std::move(patch)};
}

std::string describe(const Outcome& outcome) {
    if (const auto* e = std::get_if<Error>(&outcome)) {
        return "Error{code " + std::to_string(static_cast<int>(e->code)) + ", " + e->slug + ": " +
               e->message + "}";
    }
    const StoredResponse r = render_for_test(outcome);
    return "outcome #" + std::to_string(outcome.index()) + " " + std::to_string(r.status) + " " +
           r.body;
}

Error expect_error(const Outcome& outcome, ErrorCode code, std::string_view slug) {
    const Error* error = std::get_if<Error>(&outcome);
    if (error == nullptr) {
        ADD_FAILURE() << "expected an error, got " << describe(outcome);
        return Error{ErrorCode::kInternal, "", ""};
    }
    EXPECT_EQ(error->code, code) << describe(outcome);
    if (!slug.empty()) {
        EXPECT_EQ(error->slug, slug) << describe(outcome);
    }
    return *error;
}

bool eventually(const std::function<bool()>& done) {
    using namespace std::chrono_literals;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (done()) return true;
        std::this_thread::sleep_for(2ms);
    }
    return done();
}

}  // namespace restock::testing
