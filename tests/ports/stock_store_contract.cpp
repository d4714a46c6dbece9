// The StockStore contract (stock_store_contract.h). Compiled into each store's test binary,
// which instantiates it.
#include "ports/stock_store_contract.h"

#include <algorithm>

#include "ports/store_records.h"

namespace restock::testing {
namespace {

std::unique_ptr<StockReader> reader_of(StockStore& store) {
    auto reader = store.open_reader();
    EXPECT_TRUE(reader.ok()) << reader.error().message;
    return reader.ok() ? std::move(reader.value()) : nullptr;
}

EngineSnapshot load(StockStore& store) {
    auto snapshot = store.load();
    EXPECT_TRUE(snapshot.ok()) << snapshot.error().message;
    return snapshot.ok() ? std::move(snapshot.value()) : EngineSnapshot{};
}

Status commit(StockStore& store, const WriteBatch& batch) { return store.commit(batch); }

RestockOrder make_order(std::string id, int64_t product_id, std::string sku) {
    RestockOrder o;
    o.id = std::move(id);
    o.product_id = product_id;
    o.sku = std::move(sku);
    o.qty = 12;
    o.factory_id = "factory-1";
    o.status = OrderStatus::kSent;
    o.attempts = 2;
    o.received_qty = 3;
    o.last_error = "factory said 503";
    o.trigger_event_id = "evt_x_1";
    o.created_at_ms = 100;
    o.updated_at_ms = 200;
    o.dispatch_message_id = 9;
    o.dispatch_until_ms = 30'100;
    return o;
}

QueueMessage make_message(int64_t id, std::string queue) {
    QueueMessage m;
    m.id = id;
    m.queue = std::move(queue);
    m.body = "{\"type\":\"stock.low\",\"note\":\"quote \\\" and backslash \\\\\"}";
    m.receive_count = 1;
    m.visible_at_ms = 5000 + id;
    m.in_flight = id % 2 == 0;
    m.last_error = id % 2 == 0 ? "" : "timed out";
    m.source_queue = "";
    m.created_at_ms = 400 + id;
    return m;
}

// Two products, their movements and events, an idempotency record, a receipt, an order, a
// factory, a subscription, two queues and messages: every kind of record once.
WriteBatch everything() {
    WriteBatch batch;
    Product a = make_product(1, "A", 7, 2);
    a.name = "Ärmel \"quoted\", with a comma \\ and a brace }";
    a.settings.order_up_to = 40;
    a.settings.min_order_qty = 3;
    a.settings.pack_size = 6;
    a.settings.ad_id = "ad-1";
    a.signal = StockSignal::kLow;
    a.on_order = 12;
    a.reserved = 1;
    a.last_movement_id = 3;
    Product b = make_product(2, "B", 0, 0);
    b.last_movement_id = 2;
    b.signal = StockSignal::kEmpty;
    b.settings.replenishment = ReplenishmentMode::kNone;
    batch.movements = {make_movement(1, a, 0, 10, 10, MovementKind::kInitial),
                       make_movement(2, b, 0, 0, 0, MovementKind::kAdjustment),
                       make_movement(3, a, 1, -3, 7)};
    batch.products = {a, b};
    batch.events = {make_event(1, "A", EventType::kStockLow),
                    make_event(2, "B", EventType::kStockEmpty)};
    batch.events[1].order_id = "ro_1";
    batch.events[1].qty = 12;
    batch.idempotency = {idempotency_record("shop", "key-1", "fp", 201, "{\"ok\":true}", 5)};
    batch.idempotency[0].location = "/v1/products/A";
    batch.idempotency[0].request_id = "req_first";
    batch.receipts = {receipt_record(1, "ship-1", 10, 1)};
    batch.orders = {make_order("ro_1", 1, "A")};
    batch.factories = {Factory{"factory-1", "http://factory.test", "legacy", 2500, 50},
                       Factory{"factory-2", "http://other.test", "legacy", 900, 51, 21}};
    Subscription sub;
    sub.id = "sub_1";
    sub.topic = "stock-events";
    sub.protocol = Protocol::kWebhook;
    sub.endpoint = "https://hooks.test/x";
    sub.event_types = {"stock.low", "stock.empty"};
    sub.secret = "whsec_abc";
    sub.created_at_ms = 60;
    batch.subscriptions = {sub};
    batch.queues.policies = {
        QueuePolicy{"restock-orders", "stock-empty-dlq", 4, 30'000, 200, 60'000},
        QueuePolicy{"stock-empty-dlq", "", 4, 30'000, 200, 60'000}};
    batch.queues.upserted = {make_message(1, "restock-orders"), make_message(2, "restock-orders")};
    return batch;
}

void expect_everything(const EngineSnapshot& s) {
    const WriteBatch written = everything();
    ASSERT_EQ(s.products.size(), 2u);
    expect_same_product(s.products[0], written.products[0]);
    expect_same_product(s.products[1], written.products[1]);
    EXPECT_EQ(s.last_movement_id, 3);
    EXPECT_EQ(s.last_event_seq, 2);
    ASSERT_EQ(s.orders.size(), 1u);
    const RestockOrder& o = s.orders[0];
    const RestockOrder& w = written.orders[0];
    EXPECT_EQ(std::tie(o.id, o.product_id, o.sku, o.qty, o.factory_id, o.attempts, o.received_qty,
                       o.last_error, o.trigger_event_id, o.created_at_ms, o.updated_at_ms,
                       o.dispatch_message_id, o.dispatch_until_ms),
              std::tie(w.id, w.product_id, w.sku, w.qty, w.factory_id, w.attempts, w.received_qty,
                       w.last_error, w.trigger_event_id, w.created_at_ms, w.updated_at_ms,
                       w.dispatch_message_id, w.dispatch_until_ms));
    EXPECT_EQ(o.status, OrderStatus::kSent);
    ASSERT_EQ(s.factories.size(), 2u);
    EXPECT_EQ(s.factories[0].url, "http://factory.test");
    EXPECT_EQ(s.factories[0].timeout_ms, 2500);
    EXPECT_EQ(s.factories[0].created_at_ms, 50);
    EXPECT_EQ(s.factories[0].lead_time_days, std::nullopt);
    EXPECT_EQ(s.factories[1].lead_time_days, 21);
    ASSERT_EQ(s.subscriptions.size(), 1u);
    EXPECT_EQ(s.subscriptions[0].protocol, Protocol::kWebhook);
    EXPECT_EQ(s.subscriptions[0].event_types, written.subscriptions[0].event_types);
    EXPECT_EQ(s.subscriptions[0].secret, "whsec_abc");
    ASSERT_EQ(s.queue_policies.size(), 2u);
    ASSERT_EQ(s.queue_messages.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        const QueueMessage& m = s.queue_messages[i];
        const QueueMessage& x = written.queues.upserted[i];
        EXPECT_EQ(std::tie(m.id, m.queue, m.body, m.receive_count, m.visible_at_ms, m.in_flight,
                           m.last_error, m.source_queue, m.created_at_ms),
                  std::tie(x.id, x.queue, x.body, x.receive_count, x.visible_at_ms, x.in_flight,
                           x.last_error, x.source_queue, x.created_at_ms));
    }
    EXPECT_GE(s.last_message_id, 2);
    // The checkout index has no run yet: its tail is the one checkout of the ledger.
    EXPECT_EQ(s.checkout_index.runs, 0);
    ASSERT_EQ(s.checkout_tail.size(), 1u);
    EXPECT_EQ(s.checkout_tail[0].movement_id, 3);
    EXPECT_EQ(s.checkout_tail[0].key, checkout_key("ref-3"));
}

TEST_P(StockStoreContract, AFreshStoreHoldsNothingButItsIdentity) {
    const EngineSnapshot s = load(store());
    EXPECT_TRUE(s.products.empty());
    EXPECT_TRUE(s.orders.empty());
    EXPECT_TRUE(s.queue_messages.empty());
    EXPECT_EQ(s.last_movement_id, 0);
    EXPECT_EQ(s.last_event_seq, 0);
    EXPECT_FALSE(s.database_id.empty());
    auto secret = store().callback_secret();
    ASSERT_TRUE(secret.ok()) << secret.error().message;
    EXPECT_GE(secret->size(), 32u);
    reopen();
    EXPECT_EQ(load(store()).database_id, s.database_id);
    EXPECT_EQ(store().callback_secret().value(), secret.value());
}

TEST_P(StockStoreContract, EveryRecordComesBackAsWrittenAndAfterReopening) {
    ASSERT_TRUE(commit(store(), everything()).ok());
    expect_everything(load(store()));
    reopen();
    expect_everything(load(store()));
}

TEST_P(StockStoreContract, FiguresChangeOnlyTheStockFigures) {
    ASSERT_TRUE(commit(store(), everything()).ok());
    WriteBatch batch;
    ProductFigures f = ProductFigures::of(everything().products[0]);
    f.on_hand = 4;
    f.on_order = 0;
    f.signal = StockSignal::kEmpty;
    f.last_movement_id = 4;
    f.updated_at_ms = 9999;
    batch.figures = {f};
    batch.movements = {make_movement(4, everything().products[0], 3, -3, 4)};
    ASSERT_TRUE(commit(store(), batch).ok());
    const Product a = load(store()).products[0];
    EXPECT_EQ(a.on_hand, 4);
    EXPECT_EQ(a.on_order, 0);
    EXPECT_EQ(a.signal, StockSignal::kEmpty);
    EXPECT_EQ(a.last_movement_id, 4);
    EXPECT_EQ(a.updated_at_ms, 9999);
    EXPECT_EQ(a.name, everything().products[0].name);  // settings untouched
    EXPECT_EQ(a.settings.pack_size, 6);
}

TEST_P(StockStoreContract, ABatchIsAllOrNothing) {
    ASSERT_TRUE(commit(store(), everything()).ok());
    WriteBatch batch;
    Product c = make_product(3, "C", 5, 1);
    c.last_movement_id = 4;
    batch.products = {c};
    batch.movements = {make_movement(4, c, 0, 5, 5, MovementKind::kInitial),
                       make_movement(3, c, 4, -1, 4)};  // id 3 exists: the batch must fail
    batch.events = {make_event(3, "C", EventType::kStockRestored)};
    batch.orders = {make_order("ro_2", 3, "C")};
    const Status refused = commit(store(), batch);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
    // Nothing of it, for loads and readers alike, and the store takes the next batch.
    const EngineSnapshot s = load(store());
    EXPECT_EQ(s.products.size(), 2u);
    EXPECT_EQ(s.last_movement_id, 3);
    EXPECT_EQ(s.last_event_seq, 2);
    EXPECT_EQ(s.orders.size(), 1u);
    auto reader = reader_of(store());
    EXPECT_FALSE(reader->product("C").value());
    batch.movements.pop_back();
    EXPECT_TRUE(commit(store(), batch).ok());
    EXPECT_TRUE(reader->product("C").value());
}

TEST_P(StockStoreContract, DuplicatesAreRefused) {
    ASSERT_TRUE(commit(store(), everything()).ok());
    const Product a = everything().products[0];
    const auto refused = [&](WriteBatch batch, const char* what) {
        EXPECT_FALSE(commit(store(), batch).ok()) << what;
    };
    WriteBatch movement;
    movement.movements = {make_movement(2, a, 3, -1, 6)};
    refused(movement, "a movement id again");
    WriteBatch event;
    event.events = {make_event(2, "A", EventType::kStockLow)};
    refused(event, "an event seq again");
    WriteBatch idempotency;
    idempotency.idempotency = {idempotency_record("shop", "key-1", "other", 200, "{}", 6)};
    refused(idempotency, "an idempotency key again");
    WriteBatch receipt;
    receipt.receipts = {receipt_record(1, "ship-1", 10, 3)};
    refused(receipt, "a receipt reference again");
    WriteBatch sku;
    sku.products = {make_product(3, "A", 1, 1)};
    refused(sku, "a sku again");
    // Other principals and products may use the same names.
    WriteBatch fine;
    fine.idempotency = {idempotency_record("other-shop", "key-1", "fp", 200, "{}", 6)};
    fine.receipts = {receipt_record(2, "ship-1", 1, 2)};
    EXPECT_TRUE(commit(store(), fine).ok());
}

TEST_P(StockStoreContract, StockRulesAreRefusedByTheStoreItself) {
    ASSERT_TRUE(commit(store(), everything()).ok());
    Product a = everything().products[0];
    WriteBatch negative;
    ProductFigures f = ProductFigures::of(a);
    f.on_hand = -1;
    negative.figures = {f};
    EXPECT_FALSE(commit(store(), negative).ok()) << "negative on_hand";
    WriteBatch over_reserved;
    f.on_hand = 0;
    f.reserved = 1;
    over_reserved.figures = {f};
    EXPECT_FALSE(commit(store(), over_reserved).ok()) << "reserved above on_hand";
    WriteBatch ledger;
    ledger.movements = {make_movement(4, a, 3, -8, -1)};
    EXPECT_FALSE(commit(store(), ledger).ok()) << "negative on_hand_after";
    EXPECT_EQ(load(store()).products[0].on_hand, 7);
}

TEST_P(StockStoreContract, AtMostOneOpenRestockOrderPerProduct) {
    ASSERT_TRUE(commit(store(), everything()).ok());
    WriteBatch second;
    second.orders = {make_order("ro_2", 1, "A")};
    EXPECT_FALSE(commit(store(), second).ok());
    // The first closing and the next opening in one batch, in that order, is fine.
    RestockOrder first = make_order("ro_1", 1, "A");
    first.status = OrderStatus::kReceived;
    WriteBatch replace;
    replace.orders = {first, make_order("ro_2", 1, "A"), make_order("ro_3", 2, "B")};
    ASSERT_TRUE(commit(store(), replace).ok());
    const EngineSnapshot s = load(store());
    ASSERT_EQ(s.orders.size(), 3u);
    const auto ro_1 = std::find_if(s.orders.begin(), s.orders.end(),
                                   [](const RestockOrder& o) { return o.id == "ro_1"; });
    ASSERT_NE(ro_1, s.orders.end());
    EXPECT_EQ(ro_1->status, OrderStatus::kReceived);
}

TEST_P(StockStoreContract, ProductsAndEventsAreFoundByTheirFilters) {
    WriteBatch batch;
    auto product = [](int64_t id, std::string sku, std::string name, int64_t on_hand) {
        Product p = make_product(id, std::move(sku), on_hand, 2);
        p.name = std::move(name);
        return p;
    };
    Product old = product(4, "OLD-MUG", "Old mug", 5);
    old.archived_at_ms = 99;
    batch.products = {product(1, "MUG-RED", "Red mug", 10), product(2, "mug-blue", "Blue Mug", 1),
                      product(3, "TEA", "Teapot \u00c9MAIL", 0), old};
    batch.events = {make_event(1, "MUG-RED", EventType::kStockLow),
                    make_event(2, "TEA", EventType::kStockEmpty),
                    make_event(3, "MUG-RED", EventType::kRestockOrdered),
                    make_event(4, "MUG-RED", EventType::kStockRestored)};
    ASSERT_TRUE(commit(store(), batch).ok());
    auto reader = reader_of(store());
    ASSERT_NE(reader, nullptr);
    auto skus = [&](ProductQuery query) {
        std::vector<std::string> out;
        auto found = reader->find_products(query);
        EXPECT_TRUE(found.ok()) << found.error().message;
        if (found.ok()) {
            for (const auto& p : found.value()) out.push_back(p.sku);
        }
        return out;
    };
    using Skus = std::vector<std::string>;
    ProductQuery q;
    EXPECT_EQ(skus(q), (Skus{"MUG-RED", "TEA", "mug-blue"}));  // the archived one left out
    q.archived = ArchivedFilter::kArchived;
    EXPECT_EQ(skus(q), Skus{"OLD-MUG"});
    q.archived = ArchivedFilter::kAll;
    EXPECT_EQ(skus(q).size(), 4u);
    EXPECT_EQ(load(store()).products[3].archived_at_ms, 99);
    // Text: in the SKU or the name, ASCII letters in either case (the query is lower-case).
    q = {};
    q.text = "mug";
    EXPECT_EQ(skus(q), (Skus{"MUG-RED", "mug-blue"}));
    q.archived = ArchivedFilter::kAll;
    EXPECT_EQ(skus(q), (Skus{"MUG-RED", "OLD-MUG", "mug-blue"}));
    q = {};
    q.text = "pot";
    EXPECT_EQ(skus(q), Skus{"TEA"});
    q.text = "%";  // no wildcard
    EXPECT_TRUE(skus(q).empty());
    // A list of SKUs, with the other filters, in SKU order; unknown ones are simply absent.
    q = {};
    q.skus = {"TEA", "MUG-RED", "NOPE", "OLD-MUG"};
    EXPECT_EQ(skus(q), (Skus{"MUG-RED", "TEA"}));
    q.status = ProductStatus::kOutOfStock;
    EXPECT_EQ(skus(q), Skus{"TEA"});
    q.status.reset();
    q.after_sku = "MUG-RED";
    q.limit = 1;
    EXPECT_EQ(skus(q), Skus{"TEA"});

    auto seqs = [&](EventQuery query) {
        std::vector<int64_t> out;
        query.up_to_seq = INT64_MAX;
        auto found = reader->find_events(query);
        EXPECT_TRUE(found.ok()) << found.error().message;
        if (found.ok()) {
            for (const auto& e : found.value()) out.push_back(e.seq);
        }
        return out;
    };
    using Seqs = std::vector<int64_t>;
    EventQuery e;
    EXPECT_EQ(seqs(e), (Seqs{1, 2, 3, 4}));
    e.types = {"stock.low", "stock.restored"};
    EXPECT_EQ(seqs(e), (Seqs{1, 4}));
    e.sku = "TEA";
    EXPECT_TRUE(seqs(e).empty());
    e.types.clear();
    EXPECT_EQ(seqs(e), Seqs{2});
    e = {};
    e.sku = "MUG-RED";
    e.after_seq = 1;
    e.limit = 1;
    EXPECT_EQ(seqs(e), Seqs{3});
}

TEST_P(StockStoreContract, ReadersSeeWhatIsCommitted) {
    auto reader = reader_of(store());
    ASSERT_NE(reader, nullptr);
    EXPECT_FALSE(reader->product("A").value());
    ASSERT_TRUE(commit(store(), everything()).ok());

    const auto a = reader->product("A").value();
    ASSERT_TRUE(a);
    expect_same_product(*a, everything().products[0]);
    auto all = reader->products(std::nullopt, "", 10).value();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].sku, "A");
    EXPECT_EQ(reader->products(std::nullopt, "A", 10).value().size(), 1u);  // after the cursor
    EXPECT_EQ(reader->products(std::nullopt, "", 1).value().size(), 1u);    // the limit
    const auto empty = reader->products(ProductStatus::kOutOfStock, "", 10).value();
    ASSERT_EQ(empty.size(), 1u);
    EXPECT_EQ(empty[0].sku, "B");

    // A's chain, newest first, paged by the cursor; another product's movement is no cursor.
    const auto newest = reader->movements(*a, 0, 1, INT64_MAX).value();
    ASSERT_EQ(newest.size(), 1u);
    EXPECT_EQ(newest[0].id, 3);
    EXPECT_EQ(newest[0].reference, "ref-3");
    const auto older = reader->movements(*a, 3, 10, INT64_MAX).value();
    ASSERT_EQ(older.size(), 1u);
    EXPECT_EQ(older[0].id, 1);
    EXPECT_EQ(older[0].kind, MovementKind::kInitial);
    EXPECT_EQ(reader->movements(*a, 0, 10, INT64_MAX).value().size(), 2u);
    EXPECT_EQ(reader->movements(*a, 0, 10, 1).value().size(), 1u);  // up to a mark
    const auto foreign = reader->movements(*a, 2, 10, INT64_MAX);
    ASSERT_FALSE(foreign.ok());
    EXPECT_EQ(foreign.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(reader->movement(2).value()->product_id, 2);
    EXPECT_FALSE(reader->movement(99).value());

    const auto events = reader->events(0, 10, INT64_MAX).value();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[1].order_id, "ro_1");
    EXPECT_EQ(events[1].qty, 12);
    EXPECT_EQ(events[1].figures.position, 5);
    EXPECT_EQ(reader->events(1, 10, INT64_MAX).value().size(), 1u);
    EXPECT_EQ(reader->events(0, 1, INT64_MAX).value().size(), 1u);
    EXPECT_EQ(reader->events(0, 10, 1).value().size(), 1u);
    EXPECT_EQ(reader->last_event_seq(INT64_MAX).value(), 2);
    EXPECT_EQ(reader->last_event_seq(1).value(), 1);
    EXPECT_EQ(reader->last_event_seq(0).value(), 0);

    const auto record = reader->idempotency("shop", "key-1").value();
    ASSERT_TRUE(record);
    EXPECT_EQ(record->fingerprint, "fp");
    EXPECT_EQ(record->status, 201);
    EXPECT_EQ(record->body, "{\"ok\":true}");
    EXPECT_EQ(record->location, "/v1/products/A");
    EXPECT_EQ(record->request_id, "req_first");
    EXPECT_FALSE(reader->idempotency("other", "key-1").value());
    EXPECT_EQ(reader->receipt(1, "ship-1").value()->movement_id, 1);
    EXPECT_FALSE(reader->receipt(2, "ship-1").value());
}

TEST_P(StockStoreContract, MessagesAreReplacedAndDeletedAndTheirIdsNeverReused) {
    ASSERT_TRUE(commit(store(), everything()).ok());
    WriteBatch batch;
    QueueMessage moved = make_message(3, "stock-empty-dlq");
    moved.source_queue = "restock-orders";
    QueueMessage received = make_message(1, "restock-orders");
    received.receive_count = 2;
    received.in_flight = true;
    batch.queues.upserted = {received, moved};
    batch.queues.deleted = {2};
    ASSERT_TRUE(commit(store(), batch).ok());
    WriteBatch acked;
    acked.queues.deleted = {1, 3};
    ASSERT_TRUE(commit(store(), acked).ok());
    reopen();
    const EngineSnapshot s = load(store());
    EXPECT_TRUE(s.queue_messages.empty());
    EXPECT_EQ(s.last_message_id, 3);  // the high-water mark outlives the messages
}

TEST_P(StockStoreContract, ReservationsAreKeptAndOnlyHeldOnesLoad) {
    ASSERT_TRUE(commit(store(), everything()).ok());
    Reservation held;
    held.id = "cart-1";
    held.lines = {ReservationLine{"A", 1, 3}, ReservationLine{"B", 2, 1}};
    held.expires_at_ms = 9'000;
    held.created_at_ms = 1'000;
    held.updated_at_ms = 1'000;
    Reservation consumed = held;
    consumed.id = "cart-2";
    consumed.status = ReservationStatus::kConsumed;
    consumed.order_id = "o-9";
    WriteBatch batch;
    batch.reservations = {held, consumed};
    ASSERT_TRUE(commit(store(), batch).ok());
    reopen();
    const EngineSnapshot s = load(store());
    ASSERT_EQ(s.reservations.size(), 1u);
    EXPECT_EQ(s.reservations[0].id, "cart-1");
    ASSERT_EQ(s.reservations[0].lines.size(), 2u);
    EXPECT_EQ(s.reservations[0].lines[1].sku, "B");
    EXPECT_EQ(s.reservations[0].lines[1].product_id, 2);
    EXPECT_EQ(s.reservations[0].lines[0].qty, 3);
    EXPECT_EQ(s.reservations[0].expires_at_ms, 9'000);
    auto reader = reader_of(store());
    const auto found = reader->reservation("cart-2").value();
    ASSERT_TRUE(found);
    EXPECT_EQ(found->status, ReservationStatus::kConsumed);
    EXPECT_EQ(found->order_id, "o-9");
    EXPECT_FALSE(reader->reservation("nope").value());
    // Released later: the same row, changed.
    held.status = ReservationStatus::kReleased;
    held.updated_at_ms = 2'000;
    WriteBatch release;
    release.reservations = {held};
    ASSERT_TRUE(commit(store(), release).ok());
    EXPECT_TRUE(load(store()).reservations.empty());
    EXPECT_EQ(reader->reservation("cart-1").value()->updated_at_ms, 2'000);
}

TEST_P(StockStoreContract, CheckoutIndexRunsAreKeptAndTheTailFollowsThem) {
    ASSERT_TRUE(commit(store(), everything()).ok());  // movement 3: a checkout
    const WriteBatch first = everything();
    Product a = first.products[0];
    WriteBatch more;
    more.movements = {make_movement(4, a, 3, 2, 9, MovementKind::kRelease),
                      make_movement(5, a, 4, 1, 10, MovementKind::kReceipt),
                      make_movement(6, a, 5, -1, 9)};
    // Run 1 holds movements 3 and 4, in two slices.
    std::vector<CheckoutEntry> run = {{checkout_key("ref-3"), 3}, {checkout_key("ref-4"), 4}};
    std::sort(run.begin(), run.end(),
              [](const CheckoutEntry& x, const CheckoutEntry& y) { return x.key < y.key; });
    more.checkout_index.starts_run = true;
    more.checkout_index.slices = {
        CheckoutSlice{1, run[0].key, encode_slice(std::span(run.data(), 1))},
        CheckoutSlice{1, run[1].key, encode_slice(std::span(run.data() + 1, 1))}};
    more.checkout_index.completes = CheckoutIndexMark{1, 4};
    ASSERT_TRUE(commit(store(), more).ok());
    reopen();
    EngineSnapshot s = load(store());
    EXPECT_EQ(s.checkout_index.runs, 1);
    EXPECT_EQ(s.checkout_index.through, 4);
    ASSERT_EQ(s.checkout_tail.size(), 1u);  // the receipt is not indexed
    EXPECT_EQ(s.checkout_tail[0].movement_id, 6);
    EXPECT_EQ(s.checkout_tail[0].key, checkout_key("ref-6"));

    auto reader = reader_of(store());
    auto slice_ids = [&](int64_t key, int64_t runs) {
        std::vector<int64_t> ids;
        const auto slices = reader->checkout_slices(key, runs);
        EXPECT_TRUE(slices.ok());
        for (const auto& text : slices.value()) EXPECT_TRUE(find_in_slice(text, key, ids));
        return ids;
    };
    EXPECT_EQ(slice_ids(run[0].key, 1), std::vector<int64_t>{run[0].movement_id});
    EXPECT_EQ(slice_ids(run[1].key, 1), std::vector<int64_t>{run[1].movement_id});
    EXPECT_TRUE(reader->checkout_slices(INT64_MIN, 1).value().empty());   // below every slice
    EXPECT_TRUE(reader->checkout_slices(run[0].key, 0).value().empty());  // no complete run

    // Run 2, half written by a writer that died; the next writer starts it again.
    const std::vector<CheckoutEntry> stale = {{checkout_key("ref-6"), 6}};
    WriteBatch half;
    half.checkout_index.starts_run = true;
    half.checkout_index.slices = {CheckoutSlice{2, INT64_MIN, encode_slice(stale)}};
    ASSERT_TRUE(commit(store(), half).ok());
    const std::vector<CheckoutEntry> fresh = {{checkout_key("ref-6"), 6}, {checkout_key("x"), 7}};
    WriteBatch again;
    again.checkout_index.starts_run = true;
    again.checkout_index.slices = {CheckoutSlice{2, INT64_MIN + 1, encode_slice(fresh)}};
    again.checkout_index.completes = CheckoutIndexMark{2, 7};
    ASSERT_TRUE(commit(store(), again).ok());
    EXPECT_TRUE(reader->checkout_slices(INT64_MIN, 2).value().empty());   // the stale one: gone
    EXPECT_EQ(reader->checkout_slices(INT64_MAX, 2).value().size(), 2u);  // one per run
    std::vector<int64_t> ids;
    const auto last_slices = reader->checkout_slices(INT64_MAX, 2);
    for (const auto& text : last_slices.value()) {
        EXPECT_TRUE(find_in_slice(text, checkout_key("x"), ids));
    }
    EXPECT_EQ(ids, std::vector<int64_t>{7});
    EXPECT_EQ(load(store()).checkout_index.through, 7);

    // A run is completed once.
    WriteBatch twice;
    twice.checkout_index.slices = {CheckoutSlice{3, 0, encode_slice(stale)}};
    twice.checkout_index.completes = CheckoutIndexMark{2, 9};
    EXPECT_FALSE(commit(store(), twice).ok());
}

TEST_P(StockStoreContract, SubscriptionsAreDeleted) {
    ASSERT_TRUE(commit(store(), everything()).ok());
    WriteBatch batch;
    batch.deleted_subscriptions = {"sub_1"};
    ASSERT_TRUE(commit(store(), batch).ok());
    EXPECT_TRUE(load(store()).subscriptions.empty());
}

TEST_P(StockStoreContract, IdempotencyRecordsExpireByAge) {
    WriteBatch batch;
    batch.idempotency = {idempotency_record("p", "old", "fp", 200, "{}", 100),
                         idempotency_record("p", "new", "fp", 200, "{}", 300)};
    ASSERT_TRUE(commit(store(), batch).ok());
    auto removed = store().expire_idempotency(200);
    ASSERT_TRUE(removed.ok()) << removed.error().message;
    EXPECT_EQ(removed.value(), 1);
    auto reader = reader_of(store());
    EXPECT_FALSE(reader->idempotency("p", "old").value());
    EXPECT_TRUE(reader->idempotency("p", "new").value());
}

TEST_P(StockStoreContract, KeysAreCreatedListedAndRevoked) {
    ApiKeyRecord key{0, "ops", "admin", std::string(64, 'a'), 10, std::nullopt};
    auto created = keys().create_key(key);
    ASSERT_TRUE(created.ok()) << created.error().message;
    EXPECT_GT(created->id, 0);
    ApiKeyRecord same_name = key;
    same_name.hash = std::string(64, 'b');
    auto refused = keys().create_key(same_name);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::kAlreadyExists);

    auto reader = reader_of(store());
    const auto found = reader->api_key(std::string(64, 'a')).value();
    ASSERT_TRUE(found);
    EXPECT_EQ(found->name, "ops");
    EXPECT_EQ(found->role, "admin");
    EXPECT_FALSE(found->revoked_at_ms);

    ASSERT_TRUE(keys().revoke_key("ops", 20).ok());
    EXPECT_EQ(reader->api_key(std::string(64, 'a')).value()->revoked_at_ms, 20);
    EXPECT_EQ(keys().revoke_key("ops", 30).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(keys().revoke_key("nobody", 30).error().code, ErrorCode::kNotFound);
    reopen();
    const auto listed = keys().list_keys().value();
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0].revoked_at_ms, 20);
}

// Issue 16, item 15: a name is unique among live keys only. A revoked key's name goes to a new
// key; a second live key of that name is still refused; revoking the name revokes the live one.
TEST_P(StockStoreContract, ARevokedKeysNameMayBeReused) {
    ApiKeyRecord first{0, "ops", "admin", std::string(64, 'a'), 10, std::nullopt};
    ASSERT_TRUE(keys().create_key(first).ok());
    ASSERT_TRUE(keys().revoke_key("ops", 20).ok());

    ApiKeyRecord second{0, "ops", "storefront", std::string(64, 'b'), 30, std::nullopt};
    auto reused = keys().create_key(second);
    ASSERT_TRUE(reused.ok()) << reused.error().message;
    ApiKeyRecord third{0, "ops", "admin", std::string(64, 'c'), 40, std::nullopt};
    auto refused = keys().create_key(third);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::kAlreadyExists);
    EXPECT_EQ(refused.error().slug, "key-exists");
    // A hash is unique whatever its key's state.
    ApiKeyRecord same_hash{0, "other", "admin", std::string(64, 'a'), 50, std::nullopt};
    EXPECT_EQ(keys().create_key(same_hash).error().code, ErrorCode::kAlreadyExists);

    auto reader = reader_of(store());
    EXPECT_EQ(reader->api_key(std::string(64, 'b')).value()->role, "storefront");
    EXPECT_FALSE(reader->api_key(std::string(64, 'b')).value()->revoked_at_ms);
    ASSERT_TRUE(keys().revoke_key("ops", 60).ok());                               // the live one
    EXPECT_EQ(reader->api_key(std::string(64, 'a')).value()->revoked_at_ms, 20);  // unchanged
    EXPECT_EQ(reader->api_key(std::string(64, 'b')).value()->revoked_at_ms, 60);
    EXPECT_EQ(keys().revoke_key("ops", 70).error().code, ErrorCode::kNotFound);

    reopen();
    const auto listed = keys().list_keys().value();
    ASSERT_EQ(listed.size(), 2u);
    EXPECT_EQ(listed[0].hash, std::string(64, 'a'));  // in the order created
    EXPECT_EQ(listed[0].revoked_at_ms, 20);
    EXPECT_EQ(listed[1].hash, std::string(64, 'b'));
    EXPECT_EQ(listed[1].revoked_at_ms, 60);
    // The name is free again.
    EXPECT_TRUE(keys().create_key(third).ok());
}

}  // namespace
}  // namespace restock::testing
