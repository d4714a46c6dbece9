#include "adapters/http/command_codec.h"

#include <cmath>
#include <optional>

#include "json/json.h"

namespace restock::http {
namespace {

using json::Value;
using json::Writer;

// --- reading: typed members of one object, the first problem remembered -----------------------

class Fields {
  public:
    explicit Fields(const Value& value) : value_(value) {
        if (value.kind() != Value::Kind::kObject) fail("not an object");
    }

    int64_t integer(const char* key) {
        const Value* v = get(key, Value::Kind::kInteger);
        return v ? v->as_integer() : 0;
    }
    bool boolean(const char* key) {
        const Value* v = get(key, Value::Kind::kBool);
        return v ? v->as_bool() : false;
    }
    std::string text(const char* key) {
        const Value* v = get(key, Value::Kind::kString);
        return v ? v->as_string() : std::string();
    }
    std::optional<int64_t> optional_integer(const char* key) {
        if (is_null(key)) return std::nullopt;
        return integer(key);
    }
    std::optional<std::string> optional_text(const char* key) {
        if (is_null(key)) return std::nullopt;
        return text(key);
    }
    // nullptr for a null member.
    const Value* object(const char* key) {
        if (is_null(key)) return nullptr;
        return get(key, Value::Kind::kObject);
    }
    const std::vector<Value>& array(const char* key) {
        static const std::vector<Value> kNone;
        const Value* v = get(key, Value::Kind::kArray);
        return v ? v->as_array() : kNone;
    }
    std::vector<std::string> texts(const char* key) {
        std::vector<std::string> out;
        for (const Value& item : array(key)) {
            if (item.kind() != Value::Kind::kString) {
                fail(std::string(key) + " holds a non-string");
                continue;
            }
            out.push_back(item.as_string());
        }
        return out;
    }

    void fail(std::string problem) {
        if (problem_.empty()) problem_ = std::move(problem);
    }
    void merge(const Fields& inner) {
        if (!inner.problem_.empty()) fail(inner.problem_);
    }
    bool ok() const { return problem_.empty(); }
    const std::string& problem() const { return problem_; }

  private:
    bool is_null(const char* key) {
        if (value_.kind() != Value::Kind::kObject) return true;
        const Value* v = value_.find(key);
        if (v == nullptr) fail(std::string("'") + key + "' is missing");
        return v == nullptr || v->is_null();
    }
    const Value* get(const char* key, Value::Kind kind) {
        if (value_.kind() != Value::Kind::kObject) return nullptr;
        const Value* v = value_.find(key);
        if (v == nullptr || v->kind() != kind) {
            fail(std::string("'") + key + "' is missing or not " +
                 std::string(json::kind_name(kind)));
            return nullptr;
        }
        return v;
    }

    const Value& value_;
    std::string problem_;
};

// --- records, every field ----------------------------------------------------------------------

void write_settings(Writer& w, const ReorderSettings& s) {
    w.key("reorder_point").value(s.reorder_point).key("reorder_qty").value(s.reorder_qty);
    w.key("order_up_to");
    s.order_up_to ? w.value(*s.order_up_to) : w.null();
    w.key("min_order_qty").value(s.min_order_qty).key("pack_size").value(s.pack_size);
    w.key("factory_id").value(s.factory_id).key("ad_id");
    s.ad_id ? w.value(*s.ad_id) : w.null();
    w.key("replenishment").value(to_string(s.replenishment));
    // In parts per million, as stored: the writer has integers only.
    w.key("fill_rate_ppm").value(static_cast<int64_t>(std::llround(s.fill_rate * 1e6)));
}

ReorderSettings read_settings(Fields& f) {
    ReorderSettings s;
    s.reorder_point = f.integer("reorder_point");
    s.reorder_qty = f.integer("reorder_qty");
    s.order_up_to = f.optional_integer("order_up_to");
    s.min_order_qty = f.integer("min_order_qty");
    s.pack_size = f.integer("pack_size");
    s.factory_id = f.text("factory_id");
    s.ad_id = f.optional_text("ad_id");
    const std::string mode = f.text("replenishment");
    if (auto parsed = parse_replenishment_mode(mode)) {
        s.replenishment = *parsed;
    } else {
        f.fail("'replenishment' is not a mode: '" + mode + "'");
    }
    s.fill_rate = static_cast<double>(f.integer("fill_rate_ppm")) / 1e6;
    return s;
}

void write_record(Writer& w, const Product& p) {
    w.begin_object().key("id").value(p.id).key("sku").value(p.sku).key("name").value(p.name);
    w.key("on_hand").value(p.on_hand).key("reserved").value(p.reserved);
    w.key("on_order").value(p.on_order);
    write_settings(w, p.settings);
    w.key("signal").value(static_cast<int64_t>(p.signal));
    w.key("last_movement_id").value(p.last_movement_id);
    w.key("created_at").value(p.created_at_ms).key("updated_at").value(p.updated_at_ms);
    w.key("archived_at");
    p.archived_at_ms ? w.value(*p.archived_at_ms) : w.null();
    w.end_object();
}

Product read_product(Fields& f) {
    Product p;
    p.id = f.integer("id");
    p.sku = f.text("sku");
    p.name = f.text("name");
    p.on_hand = f.integer("on_hand");
    p.reserved = f.integer("reserved");
    p.on_order = f.integer("on_order");
    p.settings = read_settings(f);
    p.signal = static_cast<StockSignal>(f.integer("signal"));
    p.last_movement_id = f.integer("last_movement_id");
    p.created_at_ms = f.integer("created_at");
    p.updated_at_ms = f.integer("updated_at");
    p.archived_at_ms = f.optional_integer("archived_at");
    return p;
}

void write_record(Writer& w, const Movement& m) {
    w.begin_object().key("id").value(m.id).key("product_id").value(m.product_id);
    w.key("prev_id").value(m.prev_id).key("kind").value(static_cast<int64_t>(m.kind));
    w.key("delta").value(m.delta).key("on_hand_after").value(m.on_hand_after);
    w.key("reference").value(m.reference).key("at").value(m.at_ms).end_object();
}

Movement read_movement(Fields& f) {
    Movement m;
    m.id = f.integer("id");
    m.product_id = f.integer("product_id");
    m.prev_id = f.integer("prev_id");
    m.kind = static_cast<MovementKind>(f.integer("kind"));
    m.delta = f.integer("delta");
    m.on_hand_after = f.integer("on_hand_after");
    m.reference = f.text("reference");
    m.at_ms = f.integer("at");
    return m;
}

void write_record(Writer& w, const RestockOrder& o) {
    w.begin_object().key("id").value(o.id).key("product_id").value(o.product_id);
    w.key("sku").value(o.sku).key("qty").value(o.qty).key("factory_id").value(o.factory_id);
    w.key("status").value(to_string(o.status)).key("attempts").value(o.attempts);
    w.key("received_qty").value(o.received_qty).key("last_error").value(o.last_error);
    w.key("trigger_event_id").value(o.trigger_event_id);
    w.key("created_at").value(o.created_at_ms).key("updated_at").value(o.updated_at_ms);
    w.key("dispatch_message_id").value(o.dispatch_message_id);
    w.key("dispatch_until").value(o.dispatch_until_ms).end_object();
}

RestockOrder read_order(Fields& f) {
    RestockOrder o;
    o.id = f.text("id");
    o.product_id = f.integer("product_id");
    o.sku = f.text("sku");
    o.qty = f.integer("qty");
    o.factory_id = f.text("factory_id");
    const auto status = parse_order_status(f.text("status"));
    if (!status) f.fail("unknown order status");
    o.status = status.value_or(OrderStatus::kFailed);
    o.attempts = f.integer("attempts");
    o.received_qty = f.integer("received_qty");
    o.last_error = f.text("last_error");
    o.trigger_event_id = f.text("trigger_event_id");
    o.created_at_ms = f.integer("created_at");
    o.updated_at_ms = f.integer("updated_at");
    o.dispatch_message_id = f.integer("dispatch_message_id");
    o.dispatch_until_ms = f.integer("dispatch_until");
    return o;
}

void write_record(Writer& w, const Factory& factory) {
    w.begin_object().key("id").value(factory.id).key("url").value(factory.url);
    w.key("format").value(factory.format).key("timeout_ms").value(factory.timeout_ms);
    w.key("lead_time_days");
    factory.lead_time_days ? w.value(*factory.lead_time_days) : w.null();
    w.key("created_at").value(factory.created_at_ms).end_object();
}

Factory read_factory(Fields& f) {
    Factory factory;
    factory.id = f.text("id");
    factory.url = f.text("url");
    factory.format = f.text("format");
    factory.timeout_ms = f.integer("timeout_ms");
    factory.lead_time_days = f.optional_integer("lead_time_days");
    factory.created_at_ms = f.integer("created_at");
    return factory;
}

void write_record(Writer& w, const Subscription& s) {
    w.begin_object().key("id").value(s.id).key("topic").value(s.topic);
    w.key("protocol").value(to_string(s.protocol)).key("endpoint").value(s.endpoint);
    w.key("event_types").begin_array();
    for (const auto& type : s.event_types) w.value(type);
    w.end_array().key("secret").value(s.secret).key("created_at").value(s.created_at_ms);
    w.end_object();
}

Subscription read_subscription(Fields& f) {
    Subscription s;
    s.id = f.text("id");
    s.topic = f.text("topic");
    const auto protocol = parse_protocol(f.text("protocol"));
    if (!protocol) f.fail("unknown protocol");
    s.protocol = protocol.value_or(Protocol::kQueue);
    s.endpoint = f.text("endpoint");
    s.event_types = f.texts("event_types");
    s.secret = f.text("secret");
    s.created_at_ms = f.integer("created_at");
    return s;
}

void write_record(Writer& w, const QueueMessage& m) {
    w.begin_object().key("id").value(m.id).key("queue").value(m.queue).key("body").value(m.body);
    w.key("receive_count").value(m.receive_count).key("visible_at").value(m.visible_at_ms);
    w.key("in_flight").value(m.in_flight).key("last_error").value(m.last_error);
    w.key("source_queue").value(m.source_queue).key("created_at").value(m.created_at_ms);
    w.end_object();
}

QueueMessage read_message(Fields& f) {
    QueueMessage m;
    m.id = f.integer("id");
    m.queue = f.text("queue");
    m.body = f.text("body");
    m.receive_count = f.integer("receive_count");
    m.visible_at_ms = f.integer("visible_at");
    m.in_flight = f.boolean("in_flight");
    m.last_error = f.text("last_error");
    m.source_queue = f.text("source_queue");
    m.created_at_ms = f.integer("created_at");
    return m;
}

// An object member as a record; nullopt for null (or a problem, recorded in `f`).
template <typename T, typename Read>
std::optional<T> member(Fields& f, const char* key, Read read) {
    const Value* v = f.object(key);
    if (v == nullptr) return std::nullopt;
    Fields inner(*v);
    T record = read(inner);
    f.merge(inner);
    return record;
}

template <typename T, typename Read>
std::vector<T> members(Fields& f, const char* key, Read read) {
    std::vector<T> out;
    for (const Value& item : f.array(key)) {
        Fields inner(item);
        out.push_back(read(inner));
        f.merge(inner);
    }
    return out;
}

// --- commands ----------------------------------------------------------------------------------

struct CommandWriter {
    Writer& w;
    void operator()(const QueueReceive& c) const {
        w.key("type").value("queue.receive").key("queue").value(c.queue);
        w.key("max").value(static_cast<int64_t>(c.max));
    }
    void operator()(const QueueAck& c) const {
        w.key("type").value("queue.ack").key("id").value(c.id);
        w.key("receive_count").value(c.receive_count);
    }
    void operator()(const QueueFail& c) const {
        w.key("type").value("queue.fail").key("id").value(c.id);
        w.key("receive_count").value(c.receive_count).key("error").value(c.error);
    }
    void operator()(const PlaceRestockOrder& c) const {
        w.key("type").value("order.place").key("sku").value(c.sku);
        w.key("trigger_event_id").value(c.trigger_event_id).key("message_id").value(c.message_id);
        w.key("receive_count").value(c.receive_count);
    }
    void operator()(const CompleteDispatch& c) const {
        w.key("type").value("order.complete").key("order_id").value(c.order_id);
        w.key("accepted").value(c.accepted).key("error").value(c.error);
        w.key("message_id").value(c.message_id).key("receive_count").value(c.receive_count);
    }
    void operator()(const ReceiveShipment& c) const {
        w.key("type").value("shipment.receive").key("order_id").value(c.order_id);
        w.key("shipment").value(c.shipment).key("qty").value(c.qty);
        w.key("message_id").value(c.message_id).key("receive_count").value(c.receive_count);
    }
    void operator()(const ListSubscriptions& c) const {
        w.key("type").value("subscriptions.list").key("topic").value(c.topic);
    }
    void operator()(const PutFactory& c) const {
        w.key("type").value("factory.put").key("factory");
        write_record(w, c.factory);
    }
    void operator()(const NewProduct& c) const {
        w.key("type").value("product.create").key("sku").value(c.sku).key("name").value(c.name);
        w.key("on_hand").value(c.on_hand);
        write_settings(w, c.settings);
    }
    template <typename Other>
    void operator()(const Other&) const {}
};

template <typename T>
constexpr bool kRemote =
    std::is_same_v<T, QueueReceive> || std::is_same_v<T, QueueAck> ||
    std::is_same_v<T, QueueFail> || std::is_same_v<T, PlaceRestockOrder> ||
    std::is_same_v<T, CompleteDispatch> || std::is_same_v<T, ReceiveShipment> ||
    std::is_same_v<T, ListSubscriptions> || std::is_same_v<T, PutFactory> ||
    std::is_same_v<T, NewProduct>;

Error bad_command(const std::string& problem) {
    return make_error(ErrorCode::kInvalidArgument, "invalid-request",
                      "not a command this node executes: " + problem);
}

// --- outcomes ----------------------------------------------------------------------------------

struct OutcomeWriter {
    Writer& w;
    void operator()(const Error& e) const {
        w.key("outcome").value("error").key("code").value(static_cast<int64_t>(e.code));
        w.key("slug").value(e.slug).key("message").value(e.message);
    }
    void operator()(const MessagesOutcome& o) const {
        w.key("outcome").value("messages").key("messages").begin_array();
        for (const auto& m : o.messages) write_record(w, m);
        w.end_array().key("next_visible_in_ms");
        o.next_visible_in_ms ? w.value(*o.next_visible_in_ms) : w.null();
    }
    void operator()(const OrderOutcome& o) const {
        w.key("outcome").value("order").key("order");
        o.order ? write_record(w, *o.order) : (void)w.null();
        w.key("created").value(o.created).key("factory");
        o.factory ? write_record(w, *o.factory) : (void)w.null();
        w.key("note").value(o.note).key("dispatch").value(o.dispatch);
        w.key("dispatch_ms").value(o.dispatch_ms);
    }
    void operator()(const Done& o) const {
        w.key("outcome").value("done").key("note").value(o.note).key("status").value(o.status);
    }
    void operator()(const MovementOutcome& o) const {
        w.key("outcome").value("movement").key("movement");
        write_record(w, o.movement);
        w.key("product");
        write_record(w, o.product);
        w.key("replayed").value(o.replayed);
    }
    void operator()(const SubscriptionsOutcome& o) const {
        w.key("outcome").value("subscriptions").key("subscriptions").begin_array();
        for (const auto& s : o.subscriptions) write_record(w, s);
        w.end_array().key("created").value(o.created);
    }
    void operator()(const FactoriesOutcome& o) const {
        w.key("outcome").value("factories").key("factories").begin_array();
        for (const auto& f : o.factories) write_record(w, f);
        w.end_array().key("created").value(o.created).key("single").value(o.single);
    }
    void operator()(const ProductOutcome& o) const {
        w.key("outcome").value("product").key("product");
        write_record(w, o.product);
        w.key("created").value(o.created);
    }
    // Outcomes of commands that never cross between nodes.
    template <typename Other>
    void operator()(const Other&) const {
        (*this)(make_error(ErrorCode::kInternal, "internal",
                           "this outcome cannot be sent between nodes"));
    }
};

}  // namespace

bool is_remote_command(const Command& command) {
    return std::visit([](const auto& c) { return kRemote<std::decay_t<decltype(c)>>; }, command);
}

std::string encode_command(const Command& command) {
    std::string body;
    Writer w(body);
    w.begin_object();
    std::visit(CommandWriter{w}, command);
    w.end_object();
    return body;
}

Result<Command> decode_command(std::string_view body) {
    auto parsed = json::parse(body);
    if (!parsed) return parsed.error();
    Fields f(parsed.value());
    const std::string type = f.text("type");
    std::optional<Command> command;
    if (type == "queue.receive") {
        QueueReceive c{f.text("queue"), static_cast<std::size_t>(f.integer("max"))};
        command = c;
    } else if (type == "queue.ack") {
        command = QueueAck{f.integer("id"), f.integer("receive_count")};
    } else if (type == "queue.fail") {
        command = QueueFail{f.integer("id"), f.integer("receive_count"), f.text("error")};
    } else if (type == "order.place") {
        command = PlaceRestockOrder{f.text("sku"), f.text("trigger_event_id"),
                                    f.integer("message_id"), f.integer("receive_count")};
    } else if (type == "order.complete") {
        command = CompleteDispatch{f.text("order_id"), f.boolean("accepted"), f.text("error"),
                                   f.integer("message_id"), f.integer("receive_count")};
    } else if (type == "shipment.receive") {
        command = ReceiveShipment{f.text("order_id"), f.text("shipment"), f.integer("qty"),
                                  f.integer("message_id"), f.integer("receive_count")};
    } else if (type == "subscriptions.list") {
        command = ListSubscriptions{f.text("topic")};
    } else if (type == "factory.put") {
        auto factory = member<Factory>(f, "factory", read_factory);
        if (!factory) f.fail("'factory' is missing");
        command = PutFactory{factory.value_or(Factory{})};
    } else if (type == "product.create") {
        NewProduct c;
        c.sku = f.text("sku");
        c.name = f.text("name");
        c.on_hand = f.integer("on_hand");
        c.settings = read_settings(f);
        command = std::move(c);
    } else {
        f.fail("unknown type '" + type + "'");
    }
    if (!f.ok()) return bad_command(f.problem());
    return std::move(*command);
}

std::string encode_outcome(const Outcome& outcome) {
    std::string body;
    Writer w(body);
    w.begin_object();
    std::visit(OutcomeWriter{w}, outcome);
    w.end_object();
    return body;
}

Result<Outcome> decode_outcome(std::string_view body) {
    auto parsed = json::parse(body);
    if (!parsed) {
        return make_error(ErrorCode::kUnavailable, "unavailable",
                          "the writer's answer is not JSON: " + parsed.error().message);
    }
    Fields f(parsed.value());
    const std::string kind = f.text("outcome");
    std::optional<Outcome> outcome;
    if (kind == "error") {
        const int64_t code = f.integer("code");
        if (code < 0 || code > static_cast<int64_t>(ErrorCode::kStoreLost)) f.fail("bad code");
        outcome = Error{static_cast<ErrorCode>(code), f.text("slug"), f.text("message")};
    } else if (kind == "messages") {
        MessagesOutcome o;
        o.messages = members<QueueMessage>(f, "messages", read_message);
        o.next_visible_in_ms = f.optional_integer("next_visible_in_ms");
        outcome = std::move(o);
    } else if (kind == "order") {
        OrderOutcome o;
        o.order = member<RestockOrder>(f, "order", read_order);
        o.created = f.boolean("created");
        o.factory = member<Factory>(f, "factory", read_factory);
        o.note = f.text("note");
        o.dispatch = f.boolean("dispatch");
        o.dispatch_ms = f.integer("dispatch_ms");
        outcome = std::move(o);
    } else if (kind == "done") {
        outcome = Done{f.text("note"), static_cast<int>(f.integer("status"))};
    } else if (kind == "movement") {
        auto movement = member<Movement>(f, "movement", read_movement);
        auto product = member<Product>(f, "product", read_product);
        if (!movement || !product) f.fail("'movement' or 'product' is missing");
        outcome = MovementOutcome{movement.value_or(Movement{}), product.value_or(Product{}),
                                  f.boolean("replayed")};
    } else if (kind == "subscriptions") {
        SubscriptionsOutcome o;
        o.subscriptions = members<Subscription>(f, "subscriptions", read_subscription);
        o.created = f.boolean("created");
        outcome = std::move(o);
    } else if (kind == "factories") {
        FactoriesOutcome o;
        o.factories = members<Factory>(f, "factories", read_factory);
        o.created = f.boolean("created");
        o.single = f.boolean("single");
        outcome = std::move(o);
    } else if (kind == "product") {
        auto product = member<Product>(f, "product", read_product);
        if (!product) f.fail("'product' is missing");
        outcome = ProductOutcome{product.value_or(Product{}), f.boolean("created")};
    } else {
        f.fail("unknown outcome '" + kind + "'");
    }
    if (!f.ok()) {
        return make_error(ErrorCode::kUnavailable, "unavailable",
                          "the writer's answer is malformed: " + f.problem());
    }
    return std::move(*outcome);
}

}  // namespace restock::http
