// The wire format between nodes: every remote command and outcome comes back field for field,
// and anything else is refused.
#include "adapters/http/command_codec.h"

#include <gtest/gtest.h>

namespace restock::http {
namespace {

template <typename T>
T round_trip_command(const T& command) {
    EXPECT_TRUE(is_remote_command(Command(command)));
    auto decoded = decode_command(encode_command(Command(command)));
    EXPECT_TRUE(decoded.ok()) << (decoded.ok() ? "" : decoded.error().message);
    if (!decoded.ok() || !std::holds_alternative<T>(decoded.value())) {
        ADD_FAILURE() << "another command came back";
        return T{};
    }
    return std::get<T>(decoded.value());
}

template <typename T>
T round_trip_outcome(const T& outcome) {
    auto decoded = decode_outcome(encode_outcome(Outcome(outcome)));
    EXPECT_TRUE(decoded.ok()) << (decoded.ok() ? "" : decoded.error().message);
    if (!decoded.ok() || !std::holds_alternative<T>(decoded.value())) {
        ADD_FAILURE() << "another outcome came back";
        return T{};
    }
    return std::get<T>(decoded.value());
}

Product full_product() {
    Product p;
    p.id = 7;
    p.sku = "SKU-1";
    p.name = "Mug \"large\" \\ ünïcode";
    p.on_hand = 40;
    p.reserved = 2;
    p.on_order = 50;
    p.settings = ReorderSettings{10, 50, 80, 5, 6, "factory-1", std::string("ad-1")};
    p.settings.replenishment = ReplenishmentMode::kAuto;
    p.settings.fill_rate = 0.975;
    p.signal = StockSignal::kLowShort;
    p.last_movement_id = 99;
    p.created_at_ms = 1;
    p.updated_at_ms = 2;
    return p;
}

RestockOrder full_order() {
    RestockOrder o;
    o.id = "ro_3";
    o.product_id = 7;
    o.sku = "SKU-1";
    o.qty = 48;
    o.factory_id = "factory-1";
    o.status = OrderStatus::kAcknowledged;
    o.attempts = 2;
    o.received_qty = 6;
    o.last_error = "503";
    o.trigger_event_id = "evt_db_9";
    o.created_at_ms = 10;
    o.updated_at_ms = 20;
    o.dispatch_message_id = 4;
    o.dispatch_until_ms = 30'010;
    return o;
}

TEST(CommandCodecTest, EveryRemoteCommandComesBackWhole) {
    const auto receive = round_trip_command(QueueReceive{"restock-orders", 3});
    EXPECT_EQ(receive.queue, "restock-orders");
    EXPECT_EQ(receive.max, 3u);
    const auto ack = round_trip_command(QueueAck{5, 2});
    EXPECT_EQ(std::tie(ack.id, ack.receive_count), std::make_tuple(int64_t{5}, int64_t{2}));
    const auto fail = round_trip_command(QueueFail{5, 2, "factory said \"no\""});
    EXPECT_EQ(fail.error, "factory said \"no\"");
    const auto place = round_trip_command(PlaceRestockOrder{"SKU-1", "evt_1", 9, 3});
    EXPECT_EQ(std::tie(place.sku, place.trigger_event_id, place.message_id, place.receive_count),
              std::make_tuple(std::string("SKU-1"), std::string("evt_1"), int64_t{9}, int64_t{3}));
    const auto complete = round_trip_command(CompleteDispatch{"ro_3", true, "", 9, 3});
    EXPECT_TRUE(complete.accepted);
    EXPECT_EQ(complete.order_id, "ro_3");
    const auto ship = round_trip_command(ReceiveShipment{"ro_3", "s-1", 12, 9, 1});
    EXPECT_EQ(std::tie(ship.order_id, ship.shipment, ship.qty),
              std::make_tuple(std::string("ro_3"), std::string("s-1"), int64_t{12}));
    EXPECT_EQ(round_trip_command(ListSubscriptions{"stock-events"}).topic, "stock-events");
    const auto put = round_trip_command(PutFactory{Factory{"f1", "http://f", "legacy", 900, 5}});
    EXPECT_EQ(std::tie(put.factory.id, put.factory.url, put.factory.timeout_ms),
              std::make_tuple(std::string("f1"), std::string("http://f"), int64_t{900}));
    NewProduct product;
    product.sku = "NEW";
    product.name = "New";
    product.on_hand = 4;
    product.settings = full_product().settings;
    const auto created = round_trip_command(product);
    EXPECT_EQ(created.settings.order_up_to, 80);
    EXPECT_EQ(created.settings.ad_id, "ad-1");
    EXPECT_EQ(created.on_hand, 4);
}

TEST(CommandCodecTest, OtherCommandsAndMalformedBodiesAreRefused) {
    EXPECT_FALSE(is_remote_command(Command(CheckoutRequest{"o-1", {{"A", 1}}})));
    EXPECT_FALSE(is_remote_command(Command(QueuePurge{"stock-empty-dlq"})));
    for (const char* body :
         {"", "[]", "{}", "{\"type\":\"checkout\"}", "{\"type\":\"queue.ack\",\"id\":\"1\"}",
          "{\"type\":\"queue.ack\",\"id\":1}", "{\"type\":\"factory.put\",\"factory\":null}"}) {
        auto decoded = decode_command(body);
        ASSERT_FALSE(decoded.ok()) << body;
        EXPECT_EQ(decoded.error().code, ErrorCode::kInvalidArgument) << body;
    }
}

TEST(CommandCodecTest, EveryOutcomeOfARemoteCommandComesBackWhole) {
    const auto error = round_trip_outcome(
        make_error(ErrorCode::kStoreLost, "outcome-unknown", "the connection died"));
    EXPECT_EQ(std::tie(error.code, error.slug, error.message),
              std::make_tuple(ErrorCode::kStoreLost, std::string("outcome-unknown"),
                              std::string("the connection died")));

    QueueMessage m;
    m.id = 3;
    m.queue = "restock-orders";
    m.body = "{\"type\":\"stock.low\"}";
    m.receive_count = 2;
    m.visible_at_ms = 123;
    m.in_flight = true;
    m.last_error = "x";
    m.source_queue = "y";
    m.created_at_ms = 9;
    const auto messages = round_trip_outcome(MessagesOutcome{{m}, 250});
    ASSERT_EQ(messages.messages.size(), 1u);
    EXPECT_EQ(messages.messages[0].body, m.body);
    EXPECT_TRUE(messages.messages[0].in_flight);
    EXPECT_EQ(messages.messages[0].source_queue, "y");
    EXPECT_EQ(messages.next_visible_in_ms, 250);
    EXPECT_FALSE(round_trip_outcome(MessagesOutcome{}).next_visible_in_ms);

    OrderOutcome placed{full_order(), true, Factory{"factory-1", "http://f", "legacy", 900, 5},
                        "",           true, 29'000};
    const auto order = round_trip_outcome(placed);
    ASSERT_TRUE(order.order && order.factory);
    EXPECT_EQ(order.order->status, OrderStatus::kAcknowledged);
    EXPECT_EQ(order.order->dispatch_until_ms, 30'010);
    EXPECT_EQ(order.factory->timeout_ms, 900);
    EXPECT_TRUE(order.dispatch);
    EXPECT_EQ(order.dispatch_ms, 29'000);
    const auto none = round_trip_outcome(OrderOutcome{std::nullopt, false, std::nullopt, "why"});
    EXPECT_FALSE(none.order);
    EXPECT_EQ(none.note, "why");

    const auto done = round_trip_outcome(Done{"accepted", 202});
    EXPECT_EQ(std::tie(done.note, done.status), std::make_tuple(std::string("accepted"), 202));

    Movement movement{11, 7, 10, MovementKind::kReceipt, 12, 52, "ro_3/s-1", 77};
    const auto booked = round_trip_outcome(MovementOutcome{movement, full_product(), true});
    EXPECT_EQ(booked.movement.kind, MovementKind::kReceipt);
    EXPECT_EQ(booked.movement.reference, "ro_3/s-1");
    EXPECT_EQ(booked.product.name, full_product().name);
    EXPECT_EQ(booked.product.signal, StockSignal::kLowShort);
    EXPECT_TRUE(booked.replayed);

    Subscription s{"sub_1", "stock-events", Protocol::kEmail, "ops@shop.test", {"stock.low"}, "",
                   4};
    const auto subs = round_trip_outcome(SubscriptionsOutcome{{s}, false});
    ASSERT_EQ(subs.subscriptions.size(), 1u);
    EXPECT_EQ(subs.subscriptions[0].protocol, Protocol::kEmail);
    EXPECT_EQ(subs.subscriptions[0].event_types, std::vector<std::string>{"stock.low"});

    const auto factories =
        round_trip_outcome(FactoriesOutcome{{Factory{"f", "u", "legacy", 1, 2}}, true, true});
    EXPECT_TRUE(factories.created && factories.single);
    const auto product = round_trip_outcome(ProductOutcome{full_product(), true});
    EXPECT_EQ(product.product.settings.pack_size, 6);
    EXPECT_TRUE(product.created);
}

TEST(CommandCodecTest, AMalformedAnswerIsUnavailableNotACrash) {
    for (const char* body : {"", "{", "{\"outcome\":\"teapot\"}",
                             "{\"outcome\":\"error\",\"code\":99,\"slug\":\"x\",\"message\":\"m\"}",
                             "{\"outcome\":\"done\",\"note\":1,\"status\":200}"}) {
        auto decoded = decode_outcome(body);
        ASSERT_FALSE(decoded.ok()) << body;
        EXPECT_EQ(decoded.error().code, ErrorCode::kUnavailable) << body;
    }
}

}  // namespace
}  // namespace restock::http
