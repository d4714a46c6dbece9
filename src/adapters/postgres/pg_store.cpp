#include "adapters/postgres/pg_store.h"

#include <algorithm>
#include <set>

#include "adapters/postgres/pg_array.h"
#include "adapters/postgres/pg_reader.h"
#include "adapters/postgres/pg_schema.h"

namespace restock::pg {
namespace {

// unnest($1::bigint[], ...) for a column list: "unnest($1::bigint[], $2::text[])".
std::string unnest(std::initializer_list<const char*> types) {
    std::string sql = "unnest(";
    int index = 0;
    for (const char* type : types) {
        if (index > 0) sql += ", ";
        ++index;
        sql += "$" + std::to_string(index) + "::" + type + "[]";
    }
    return sql + ")";
}

// The writer's statements, prepared once per connection.
struct Statement {
    const char* name;
    std::string sql;
};

std::vector<Statement> writer_statements() {
    const std::string products = std::string(kProductColumns);
    return {
        {"begin", "BEGIN"},
        {"commit", "COMMIT"},
        {"fence", "SELECT restock_fence($1::bigint)"},
        {"products_upsert",
         "INSERT INTO products(" + products + ") SELECT * FROM " +
             unnest({"bigint", "text",   "text",   "bigint",   "bigint", "bigint", "bigint",
                     "bigint", "bigint", "bigint", "bigint",   "text",   "text",   "smallint",
                     "bigint", "bigint", "bigint", "smallint", "bigint", "bigint"}) +
             " ON CONFLICT (id) DO UPDATE SET name = excluded.name, on_hand = excluded.on_hand, "
             "reserved = excluded.reserved, on_order = excluded.on_order, "
             "reorder_point = excluded.reorder_point, reorder_qty = excluded.reorder_qty, "
             "order_up_to = excluded.order_up_to, min_order_qty = excluded.min_order_qty, "
             "pack_size = excluded.pack_size, factory_id = excluded.factory_id, "
             "ad_id = excluded.ad_id, signal = excluded.signal, "
             "last_movement_id = excluded.last_movement_id, updated_at = excluded.updated_at, "
             "replenishment = excluded.replenishment, archived_at = excluded.archived_at, "
             "fill_rate_ppm = excluded.fill_rate_ppm"},
        {"learned_upsert", "INSERT INTO replenishment_state(" + std::string(kLearnedColumns) +
                               ") SELECT * FROM " + unnest({"text", "text", "text", "bigint"}) +
                               " ON CONFLICT (scope, key) DO UPDATE SET state = excluded.state, "
                               "updated_at = excluded.updated_at"},
        {"figures_update",
         "UPDATE products AS p SET on_hand = u.on_hand, reserved = u.reserved, "
         "on_order = u.on_order, signal = u.signal, last_movement_id = u.last_movement_id, "
         "updated_at = u.updated_at FROM " +
             unnest({"bigint", "bigint", "bigint", "bigint", "smallint", "bigint", "bigint"}) +
             " AS u(id, on_hand, reserved, on_order, signal, last_movement_id, updated_at) "
             "WHERE p.id = u.id"},
        {"movements_insert", "INSERT INTO movements(" + std::string(kMovementColumns) +
                                 ") SELECT * FROM " +
                                 unnest({"bigint", "bigint", "bigint", "smallint", "bigint",
                                         "bigint", "text", "bigint"})},
        {"events_insert",
         "INSERT INTO events(" + std::string(kEventColumns) + ") SELECT * FROM " +
             unnest({"bigint", "text", "text", "text", "bigint", "bigint", "bigint", "bigint",
                     "bigint", "bigint", "text", "text", "bigint", "bigint"})},
        {"idempotency_insert",
         "INSERT INTO idempotency(" + std::string(kIdempotencyColumns) + ") SELECT * FROM " +
             unnest({"text", "text", "text", "integer", "text", "text", "bigint", "text"})},
        {"receipts_insert",
         "INSERT INTO receipts(product_id, reference, qty, movement_id) SELECT * FROM " +
             unnest({"bigint", "text", "bigint", "bigint"})},
        // unnest yields the rows in the batch's order, and each row is checked against the
        // one-open-order index as it is written: an order closing comes before the one that
        // replaces it (the engine touches it first).
        {"orders_upsert",
         "INSERT INTO restock_orders(" + std::string(kOrderColumns) + ") SELECT * FROM " +
             unnest({"text", "bigint", "text", "bigint", "text", "text", "bigint", "bigint", "text",
                     "text", "bigint", "bigint", "bigint", "bigint"}) +
             " ON CONFLICT (id) DO UPDATE SET qty = excluded.qty, "
             "factory_id = excluded.factory_id, status = excluded.status, "
             "attempts = excluded.attempts, received_qty = excluded.received_qty, "
             "last_error = excluded.last_error, updated_at = excluded.updated_at, "
             "dispatch_message_id = excluded.dispatch_message_id, "
             "dispatch_until = excluded.dispatch_until"},
        {"factory_upsert",
         "INSERT INTO factories(" + std::string(kFactoryColumns) +
             ") VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET "
             "url = excluded.url, format = excluded.format, timeout_ms = excluded.timeout_ms, "
             "created_at = excluded.created_at, lead_time_days = excluded.lead_time_days"},
        {"subscription_upsert",
         "INSERT INTO subscriptions(" + std::string(kSubscriptionColumns) +
             ") VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE SET "
             "topic = excluded.topic, protocol = excluded.protocol, "
             "endpoint = excluded.endpoint, event_types = excluded.event_types, "
             "secret = excluded.secret, created_at = excluded.created_at"},
        {"subscription_delete", "DELETE FROM subscriptions WHERE id = $1"},
        {"factory_delete", "DELETE FROM factories WHERE id = $1"},
        {"session_insert", "INSERT INTO sessions(" + std::string(kSessionColumns) +
                               ") VALUES ($1, $2, $3, $4, NULL)"},
        {"session_end", "UPDATE sessions SET ended_at = $1 WHERE hash = $2 AND ended_at IS NULL"},
        {"reservation_upsert",
         "INSERT INTO reservations(" + std::string(kReservationColumns) +
             ") VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE SET "
             "status = excluded.status, lines = excluded.lines, "
             "expires_at = excluded.expires_at, updated_at = excluded.updated_at, "
             "order_id = excluded.order_id"},
        {"queue_upsert", "INSERT INTO queues(" + std::string(kQueueColumns) +
                             ") VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO UPDATE SET "
                             "dlq = excluded.dlq, max_receive_count = excluded.max_receive_count, "
                             "visibility_timeout_ms = excluded.visibility_timeout_ms, "
                             "backoff_base_ms = excluded.backoff_base_ms, "
                             "backoff_max_ms = excluded.backoff_max_ms"},
        {"messages_upsert",
         "INSERT INTO queue_messages(" + std::string(kMessageColumns) + ") SELECT * FROM " +
             unnest({"bigint", "text", "text", "bigint", "bigint", "smallint", "text", "text",
                     "bigint"}) +
             " ON CONFLICT (id) DO UPDATE SET queue = excluded.queue, body = excluded.body, "
             "receive_count = excluded.receive_count, visible_at = excluded.visible_at, "
             "in_flight = excluded.in_flight, last_error = excluded.last_error, "
             "source_queue = excluded.source_queue, created_at = excluded.created_at"},
        {"messages_delete", "DELETE FROM queue_messages WHERE id = ANY($1::bigint[])"},
        // Acknowledged messages are deleted, so max(id) alone would hand out ids again.
        {"message_mark",
         "UPDATE meta SET value = greatest(value::bigint, $1::bigint)::text "
         "WHERE key = 'last_message_id'"},
        {"slices_discard", "DELETE FROM checkout_index WHERE run >= $1"},
        {"slices_insert", "INSERT INTO checkout_index(run, first_key, entries) SELECT * FROM " +
                              unnest({"bigint", "bigint", "text"})},
        {"run_complete", "INSERT INTO checkout_index_runs(run, through) VALUES ($1, $2)"},
        // Delivered at commit, to every node listening: their functions wake at once.
        {"notify", "SELECT pg_notify('restock_queues', $1)"},
    };
}

template <typename T, typename Read>
Status read_all(Connection& db, const std::string& sql, Read read, std::vector<T>& out) {
    auto rows = db.query(sql);
    if (!rows) return rows.error();
    for (int i = 0; i < rows->size(); ++i) out.push_back(read(RowAt{rows.value(), i}));
    return ok_status();
}

Error not_the_writer() {
    return make_error(ErrorCode::kStoreLost, "unavailable",
                      "this node does not hold the writer lease");
}

}  // namespace

Result<std::unique_ptr<PgStore>> PgStore::open(const ConnectOptions& options) {
    ConnectOptions control_options = options;
    control_options.application_name = options.application_name + " control";
    auto control = Connection::open(control_options);
    if (!control) return control.error();
    if (auto migrated = migrate(*control.value()); !migrated) return migrated.error();
    ConnectOptions writer_options = options;
    writer_options.application_name = options.application_name + " writer";
    auto writer = Connection::open(writer_options);
    if (!writer) return writer.error();
    std::unique_ptr<PgStore> store(
        new PgStore(options, std::move(writer.value()), std::move(control.value())));
    if (auto s = store->prepare_writer(); !s) return s.error();
    return store;
}

PgStore::PgStore(ConnectOptions options, std::unique_ptr<Connection> writer,
                 std::unique_ptr<Connection> control)
    : options_(std::move(options)),
      target_(describe_target(options_.url)),
      writer_(std::move(writer)),
      control_(std::move(control)) {}

PgStore::~PgStore() = default;

Status PgStore::prepare_writer() {
    for (const auto& statement : writer_statements()) {
        if (auto s = writer_->prepare(statement.name, statement.sql); !s) return s;
    }
    return ok_status();
}

Result<Connection*> PgStore::control() {
    if (auto s = control_->reconnect(); !s) return s.error();
    return control_.get();
}

// --- the engine's side: load and write ---------------------------------------------------------

Result<EngineSnapshot> PgStore::load() {
    std::lock_guard lock(writer_mutex_);
    if (auto s = writer_->reconnect(); !s) return s.error();
    Connection& db = *writer_;
    // One snapshot: what the previous writer committed, all of it or none of a batch.
    if (auto s = db.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !s) return s.error();
    auto fail = [&](const Error& error) -> Result<EngineSnapshot> {
        (void)db.exec("ROLLBACK");
        return error;
    };
    EngineSnapshot snapshot;
    auto select = [](const char* columns, const char* table, const char* order) {
        return "SELECT " + std::string(columns) + " FROM " + table + " ORDER BY " + order;
    };
    if (auto s = read_all(db, select(kProductColumns, "products", "id"), read_product<RowAt>,
                          snapshot.products);
        !s) {
        return fail(s.error());
    }
    if (auto s = read_all(db, select(kOrderColumns, "restock_orders", "created_at, id"),
                          read_order<RowAt>, snapshot.orders);
        !s) {
        return fail(s.error());
    }
    if (auto s = read_all(db, select(kFactoryColumns, "factories", "id"), read_factory<RowAt>,
                          snapshot.factories);
        !s) {
        return fail(s.error());
    }
    if (auto s = read_all(db, select(kLearnedColumns, "replenishment_state", "scope, key"),
                          read_learned<RowAt>, snapshot.learned);
        !s) {
        return fail(s.error());
    }
    if (auto s = read_all(db, select(kSubscriptionColumns, "subscriptions", "created_at, id"),
                          read_subscription<RowAt>, snapshot.subscriptions);
        !s) {
        return fail(s.error());
    }
    if (auto s = read_all(db, select(kQueueColumns, "queues", "name"), read_queue<RowAt>,
                          snapshot.queue_policies);
        !s) {
        return fail(s.error());
    }
    if (auto s = read_all(db,
                          "SELECT " + std::string(kReservationColumns) +
                              " FROM reservations WHERE status = 'held' ORDER BY expires_at",
                          read_reservation<RowAt>, snapshot.reservations);
        !s) {
        return fail(s.error());
    }
    if (auto s = read_all(db,
                          "SELECT " + std::string(kEventColumns) +
                              " FROM events WHERE type IN ('alarm.raised', 'alarm.cleared') "
                              "ORDER BY seq",
                          read_event<RowAt>, snapshot.alarm_events);
        !s) {
        return fail(s.error());
    }
    if (auto s = read_all(db, select(kMessageColumns, "queue_messages", "id"), read_message<RowAt>,
                          snapshot.queue_messages);
        !s) {
        return fail(s.error());
    }
    auto mark = db.query(
        "SELECT coalesce(max(run), 0), coalesce(max(through), 0) FROM checkout_index_runs");
    if (!mark) return fail(mark.error());
    snapshot.checkout_index = CheckoutIndexMark{mark->integer(0, 0), mark->integer(0, 1)};
    if (auto s =
            read_all(db,
                     "SELECT " + std::string(kCheckoutTailColumns) + " FROM movements WHERE id > " +
                         std::to_string(snapshot.checkout_index.through) + " AND " +
                         kCheckoutTailKinds + " ORDER BY id",
                     read_checkout_entry<RowAt>, snapshot.checkout_tail);
        !s) {
        return fail(s.error());
    }
    auto scalars = db.query(
        "SELECT (SELECT coalesce(max(id), 0) FROM movements), "
        "(SELECT coalesce(max(seq), 0) FROM events), "
        "(SELECT value FROM meta WHERE key = 'database_id'), "
        "greatest((SELECT coalesce(max(id), 0) FROM queue_messages), "
        "(SELECT value::bigint FROM meta WHERE key = 'last_message_id'))");
    if (!scalars) return fail(scalars.error());
    snapshot.last_movement_id = scalars->integer(0, 0);
    snapshot.last_event_seq = scalars->integer(0, 1);
    snapshot.database_id = scalars->text(0, 2);
    snapshot.last_message_id = scalars->integer(0, 3);
    if (auto s = db.exec("COMMIT"); !s) return s.error();
    return snapshot;
}

Status PgStore::write(const WriteBatch& batch) {
    std::lock_guard lock(writer_mutex_);
    const int64_t generation = generation_.load();
    if (generation == 0) return not_the_writer();
    // A connection lost before this batch (its predecessor then failed or the engine was
    // reloaded) is made again; if that fails, nothing was sent.
    if (auto s = writer_->reconnect(); !s) return s;

    Connection::Pipeline pipeline(*writer_);
    pipeline.add("begin", {});
    pipeline.add("fence", Params().add(generation));
    if (!batch.products.empty()) {
        ArrayText id, sku, name, on_hand, reserved, on_order, reorder_point, reorder_qty,
            order_up_to, min_order_qty, pack_size, factory_id, ad_id, signal, last_movement_id,
            created_at, updated_at, replenishment, archived_at, fill_rate;
        for (const Product& p : batch.products) {
            id.add(p.id);
            sku.add(p.sku);
            name.add(p.name);
            on_hand.add(p.on_hand);
            reserved.add(p.reserved);
            on_order.add(p.on_order);
            reorder_point.add(p.settings.reorder_point);
            reorder_qty.add(p.settings.reorder_qty);
            order_up_to.add(p.settings.order_up_to);
            min_order_qty.add(p.settings.min_order_qty);
            pack_size.add(p.settings.pack_size);
            factory_id.add(p.settings.factory_id);
            ad_id.add(p.settings.ad_id);
            signal.add(static_cast<int64_t>(p.signal));
            last_movement_id.add(p.last_movement_id);
            created_at.add(p.created_at_ms);
            updated_at.add(p.updated_at_ms);
            replenishment.add(static_cast<int64_t>(p.settings.replenishment));
            archived_at.add(p.archived_at_ms);
            fill_rate.add(fill_rate_ppm(p.settings));
        }
        pipeline.add("products_upsert", Params()
                                            .add(id.take())
                                            .add(sku.take())
                                            .add(name.take())
                                            .add(on_hand.take())
                                            .add(reserved.take())
                                            .add(on_order.take())
                                            .add(reorder_point.take())
                                            .add(reorder_qty.take())
                                            .add(order_up_to.take())
                                            .add(min_order_qty.take())
                                            .add(pack_size.take())
                                            .add(factory_id.take())
                                            .add(ad_id.take())
                                            .add(signal.take())
                                            .add(last_movement_id.take())
                                            .add(created_at.take())
                                            .add(updated_at.take())
                                            .add(replenishment.take())
                                            .add(archived_at.take())
                                            .add(fill_rate.take()));
    }
    if (!batch.figures.empty()) {
        ArrayText id, on_hand, reserved, on_order, signal, last_movement_id, updated_at;
        for (const ProductFigures& f : batch.figures) {
            id.add(f.id);
            on_hand.add(f.on_hand);
            reserved.add(f.reserved);
            on_order.add(f.on_order);
            signal.add(static_cast<int64_t>(f.signal));
            last_movement_id.add(f.last_movement_id);
            updated_at.add(f.updated_at_ms);
        }
        pipeline.add("figures_update", Params()
                                           .add(id.take())
                                           .add(on_hand.take())
                                           .add(reserved.take())
                                           .add(on_order.take())
                                           .add(signal.take())
                                           .add(last_movement_id.take())
                                           .add(updated_at.take()));
    }
    if (!batch.movements.empty()) {
        ArrayText id, product_id, prev_id, kind, delta, on_hand_after, reference, at;
        for (const Movement& m : batch.movements) {
            id.add(m.id);
            product_id.add(m.product_id);
            prev_id.add(m.prev_id);
            kind.add(static_cast<int64_t>(m.kind));
            delta.add(m.delta);
            on_hand_after.add(m.on_hand_after);
            reference.add(m.reference);
            at.add(m.at_ms);
        }
        pipeline.add("movements_insert", Params()
                                             .add(id.take())
                                             .add(product_id.take())
                                             .add(prev_id.take())
                                             .add(kind.take())
                                             .add(delta.take())
                                             .add(on_hand_after.take())
                                             .add(reference.take())
                                             .add(at.take()));
    }
    if (!batch.events.empty()) {
        ArrayText seq, id, type, sku, on_hand, reserved, available, on_order, position,
            reorder_point, cause, order_id, qty, at;
        for (const Event& e : batch.events) {
            seq.add(e.seq);
            id.add(e.id);
            type.add(to_string(e.type));
            sku.add(e.sku);
            on_hand.add(e.figures.on_hand);
            reserved.add(e.figures.reserved);
            available.add(e.figures.available);
            on_order.add(e.figures.on_order);
            position.add(e.figures.position);
            reorder_point.add(e.figures.reorder_point);
            cause.add(e.cause);
            order_id.add(e.order_id);
            qty.add(e.qty);
            at.add(e.at_ms);
        }
        pipeline.add("events_insert", Params()
                                          .add(seq.take())
                                          .add(id.take())
                                          .add(type.take())
                                          .add(sku.take())
                                          .add(on_hand.take())
                                          .add(reserved.take())
                                          .add(available.take())
                                          .add(on_order.take())
                                          .add(position.take())
                                          .add(reorder_point.take())
                                          .add(cause.take())
                                          .add(order_id.take())
                                          .add(qty.take())
                                          .add(at.take()));
    }
    if (!batch.idempotency.empty()) {
        ArrayText principal, key, fingerprint, status, body, location, at, request_id;
        for (const IdempotencyRecord& r : batch.idempotency) {
            principal.add(r.principal);
            key.add(r.key);
            fingerprint.add(r.fingerprint);
            status.add(static_cast<int64_t>(r.status));
            body.add(r.body);
            location.add(r.location);
            at.add(r.at_ms);
            request_id.add(r.request_id);
        }
        pipeline.add("idempotency_insert", Params()
                                               .add(principal.take())
                                               .add(key.take())
                                               .add(fingerprint.take())
                                               .add(status.take())
                                               .add(body.take())
                                               .add(location.take())
                                               .add(at.take())
                                               .add(request_id.take()));
    }
    if (!batch.orders.empty()) {
        ArrayText id, product_id, sku, qty, factory_id, status, attempts, received_qty, last_error,
            trigger_event_id, created_at, updated_at, dispatch_message_id, dispatch_until;
        for (const RestockOrder& o : batch.orders) {
            id.add(o.id);
            product_id.add(o.product_id);
            sku.add(o.sku);
            qty.add(o.qty);
            factory_id.add(o.factory_id);
            status.add(to_string(o.status));
            attempts.add(o.attempts);
            received_qty.add(o.received_qty);
            last_error.add(o.last_error);
            trigger_event_id.add(o.trigger_event_id);
            created_at.add(o.created_at_ms);
            updated_at.add(o.updated_at_ms);
            dispatch_message_id.add(o.dispatch_message_id);
            dispatch_until.add(o.dispatch_until_ms);
        }
        pipeline.add("orders_upsert", Params()
                                          .add(id.take())
                                          .add(product_id.take())
                                          .add(sku.take())
                                          .add(qty.take())
                                          .add(factory_id.take())
                                          .add(status.take())
                                          .add(attempts.take())
                                          .add(received_qty.take())
                                          .add(last_error.take())
                                          .add(trigger_event_id.take())
                                          .add(created_at.take())
                                          .add(updated_at.take())
                                          .add(dispatch_message_id.take())
                                          .add(dispatch_until.take()));
    }
    for (const Factory& f : batch.factories) {
        pipeline.add("factory_upsert", Params()
                                           .add(f.id)
                                           .add(f.url)
                                           .add(f.format)
                                           .add(f.timeout_ms)
                                           .add(f.created_at_ms)
                                           .add(f.lead_time_days));
    }
    if (!batch.learned.empty()) {
        ArrayText scope, key, state, updated_at;
        for (const LearnedRecord& l : batch.learned) {
            scope.add(l.scope);
            key.add(l.key);
            state.add(l.state);
            updated_at.add(l.updated_at_ms);
        }
        pipeline.add(
            "learned_upsert",
            Params().add(scope.take()).add(key.take()).add(state.take()).add(updated_at.take()));
    }
    for (const Subscription& sub : batch.subscriptions) {
        const std::string types = join_event_types(sub.event_types);
        pipeline.add("subscription_upsert", Params()
                                                .add(sub.id)
                                                .add(sub.topic)
                                                .add(to_string(sub.protocol))
                                                .add(sub.endpoint)
                                                .add(types)
                                                .add(sub.secret)
                                                .add(sub.created_at_ms));
    }
    for (const std::string& id : batch.deleted_subscriptions) {
        pipeline.add("subscription_delete", Params().add(id));
    }
    for (const std::string& id : batch.deleted_factories) {
        pipeline.add("factory_delete", Params().add(id));
    }
    for (const SessionRecord& s : batch.sessions) {
        pipeline.add(
            "session_insert",
            Params().add(s.hash).add(s.key_hash).add(s.created_at_ms).add(s.expires_at_ms));
    }
    for (const SessionEnd& end : batch.ended_sessions) {
        pipeline.add("session_end", Params().add(end.at_ms).add(end.hash));
    }
    for (const Reservation& h : batch.reservations) {
        pipeline.add("reservation_upsert", Params()
                                               .add(h.id)
                                               .add(to_string(h.status))
                                               .add(encode_lines(h.lines))
                                               .add(h.expires_at_ms)
                                               .add(h.created_at_ms)
                                               .add(h.updated_at_ms)
                                               .add(h.order_id));
    }
    for (const QueuePolicy& q : batch.queues.policies) {
        pipeline.add("queue_upsert", Params()
                                         .add(q.name)
                                         .add(q.dlq)
                                         .add(q.max_receive_count)
                                         .add(q.visibility_timeout_ms)
                                         .add(q.backoff_base_ms)
                                         .add(q.backoff_max_ms));
    }
    std::set<std::string> woken;
    if (!batch.queues.upserted.empty()) {
        ArrayText id, queue, body, receive_count, visible_at, in_flight, last_error, source_queue,
            created_at;
        int64_t highest = 0;
        for (const QueueMessage& m : batch.queues.upserted) {
            id.add(m.id);
            queue.add(m.queue);
            body.add(m.body);
            receive_count.add(m.receive_count);
            visible_at.add(m.visible_at_ms);
            in_flight.add(int64_t{m.in_flight ? 1 : 0});
            last_error.add(m.last_error);
            source_queue.add(m.source_queue);
            created_at.add(m.created_at_ms);
            highest = std::max(highest, m.id);
            if (!m.in_flight) woken.insert(m.queue);
        }
        pipeline.add("messages_upsert", Params()
                                            .add(id.take())
                                            .add(queue.take())
                                            .add(body.take())
                                            .add(receive_count.take())
                                            .add(visible_at.take())
                                            .add(in_flight.take())
                                            .add(last_error.take())
                                            .add(source_queue.take())
                                            .add(created_at.take()));
        pipeline.add("message_mark", Params().add(highest));
    }
    if (!batch.queues.deleted.empty()) {
        ArrayText ids;
        for (int64_t id : batch.queues.deleted) ids.add(id);
        pipeline.add("messages_delete", Params().add(ids.take()));
    }
    if (!batch.receipts.empty()) {
        ArrayText product_id, reference, qty, movement_id;
        for (const ReceiptRecord& r : batch.receipts) {
            product_id.add(r.product_id);
            reference.add(r.reference);
            qty.add(r.qty);
            movement_id.add(r.movement_id);
        }
        pipeline.add("receipts_insert", Params()
                                            .add(product_id.take())
                                            .add(reference.take())
                                            .add(qty.take())
                                            .add(movement_id.take()));
    }
    if (const CheckoutIndexWrite& index = batch.checkout_index; !index.empty()) {
        if (index.starts_run) {
            pipeline.add("slices_discard", Params().add(index.slices.front().run));
        }
        ArrayText run, first_key, entries;
        for (const CheckoutSlice& slice : index.slices) {
            run.add(slice.run);
            first_key.add(slice.first_key);
            entries.add(slice.entries);
        }
        pipeline.add("slices_insert",
                     Params().add(run.take()).add(first_key.take()).add(entries.take()));
        if (index.completes) {
            pipeline.add("run_complete",
                         Params().add(index.completes->runs).add(index.completes->through));
        }
    }
    for (const std::string& queue : woken) pipeline.add("notify", Params().add(queue));
    pipeline.add("commit", {});

    const auto outcome = pipeline.run();
    if (outcome.connection_lost) {
        // Sent whole, the COMMIT may have run before the connection died: unknown. Cut off
        // while sending, it never reached the server, which rolls back what it got.
        if (!outcome.sent) return outcome.error;
        return make_error(ErrorCode::kStoreLost, "outcome-unknown",
                          "the connection to " + target_ +
                              " was lost while committing; the change may or may not have been "
                              "made (" +
                              outcome.error.message + ")");
    }
    if (outcome.failed_at >= 0) {
        // The transaction is aborted (COMMIT was skipped, or failed itself): nothing was
        // written. End the failed transaction block.
        (void)writer_->exec("ROLLBACK");
        if (outcome.error.code == ErrorCode::kStoreLost) {
            generation_.store(0);  // fenced: another node holds the lease now
            return outcome.error;
        }
        return make_error(ErrorCode::kUnavailable, "store-error",
                          "PostgreSQL refused the commit: " + outcome.error.message);
    }
    return ok_status();
}

Result<std::unique_ptr<StockReader>> PgStore::open_reader() {
    ConnectOptions reader_options = options_;
    reader_options.application_name = options_.application_name + " reader";
    return PgReader::open(reader_options);
}

// --- the control connection: secrets, expiry, keys, the lease ---------------------------------

Result<std::string> PgStore::callback_secret() {
    std::lock_guard lock(control_mutex_);
    auto db = control();
    if (!db) return db.error();
    auto rows = db.value()->query("SELECT value FROM meta WHERE key = 'callback_secret'");
    if (!rows) return rows.error();
    if (rows->size() != 1)
        return make_error(ErrorCode::kInternal, "internal", "no callback secret");
    return rows->text(0, 0);
}

Result<int64_t> PgStore::expire_idempotency(int64_t before_ms) {
    std::lock_guard lock(control_mutex_);
    auto db = control();
    if (!db) return db.error();
    auto rows = db.value()->query("DELETE FROM idempotency WHERE at < $1", Params().add(before_ms));
    if (!rows) return rows.error();
    // Sessions past their end are dropped with them: no cookie can bring them back.
    auto sessions =
        db.value()->query("DELETE FROM sessions WHERE expires_at < $1", Params().add(before_ms));
    if (!sessions) return sessions.error();
    return rows->affected();
}

Result<ApiKeyRecord> PgStore::create_key(ApiKeyRecord record) {
    std::lock_guard lock(control_mutex_);
    auto db = control();
    if (!db) return db.error();
    auto rows = db.value()->query(
        "INSERT INTO api_keys(hash, name, role, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        Params().add(record.hash).add(record.name).add(record.role).add(record.created_at_ms));
    if (!rows) {
        if (rows.error().code == ErrorCode::kAlreadyExists) {
            return make_error(ErrorCode::kAlreadyExists, "key-exists",
                              "a live key named '" + record.name +
                                  "' exists; revoke it first to give its name to a new key");
        }
        return rows.error();
    }
    record.id = rows->integer(0, 0);
    return record;
}

Result<std::vector<ApiKeyRecord>> PgStore::list_keys() {
    std::lock_guard lock(control_mutex_);
    auto db = control();
    if (!db) return db.error();
    auto rows =
        db.value()->query("SELECT " + std::string(kKeyColumns) + " FROM api_keys ORDER BY id");
    if (!rows) return rows.error();
    std::vector<ApiKeyRecord> keys;
    for (int i = 0; i < rows->size(); ++i) keys.push_back(read_key(RowAt{rows.value(), i}));
    return keys;
}

Status PgStore::revoke_key(std::string_view name, int64_t at_ms) {
    std::lock_guard lock(control_mutex_);
    auto db = control();
    if (!db) return db.error();
    auto rows = db.value()->query(
        "UPDATE api_keys SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL",
        Params().add(at_ms).add(name));
    if (!rows) return rows.error();
    if (rows->affected() == 0) {
        return make_error(ErrorCode::kNotFound, "key-not-found",
                          "no active key named '" + std::string(name) + "'");
    }
    return ok_status();
}

Result<LeaseHolder> PgStore::holder() {
    std::lock_guard lock(control_mutex_);
    auto db = control();
    if (!db) return db.error();
    auto rows = db.value()->query(
        "SELECT generation, node_id, node_url, expires_at > clock_timestamp() FROM writer_lease "
        "WHERE id = 1");
    if (!rows) return rows.error();
    if (rows->size() != 1) return make_error(ErrorCode::kInternal, "internal", "no lease row");
    return LeaseHolder{rows->integer(0, 0), rows->text(0, 1), rows->text(0, 2),
                       rows->text(0, 3) == "t"};
}

Result<std::optional<int64_t>> PgStore::try_acquire(const std::string& node_id,
                                                    const std::string& node_url, int64_t ttl_ms) {
    std::lock_guard lock(control_mutex_);
    auto db = control();
    if (!db) return db.error();
    auto rows = db.value()->query("SELECT restock_acquire($1, $2, $3)",
                                  Params().add(node_id).add(node_url).add(ttl_ms));
    if (!rows) return rows.error();
    const std::optional<int64_t> taken = rows->optional_integer(0, 0);
    if (taken) generation_.store(*taken);
    return taken;
}

Result<bool> PgStore::renew(int64_t ttl_ms) {
    std::lock_guard lock(control_mutex_);
    const int64_t generation = generation_.load();
    if (generation == 0) return false;
    auto db = control();
    if (!db) return db.error();
    auto rows = db.value()->query(
        "UPDATE writer_lease SET expires_at = clock_timestamp() + $2 * interval '1 millisecond' "
        "WHERE id = 1 AND generation = $1",
        Params().add(generation).add(ttl_ms));
    if (!rows) return rows.error();
    if (rows->affected() == 1) return true;
    int64_t expected = generation;  // unless it changed meanwhile, it is gone
    generation_.compare_exchange_strong(expected, 0);
    return false;
}

Status PgStore::release() {
    std::lock_guard lock(control_mutex_);
    int64_t generation = generation_.exchange(0);
    if (generation == 0) return ok_status();
    auto db = control();
    if (!db) return db.error();
    auto rows = db.value()->query(
        "WITH ended AS (UPDATE writer_lease SET expires_at = '-infinity' "
        "WHERE id = 1 AND generation = $1 RETURNING generation) "
        "SELECT pg_notify('restock_writer', generation::text) FROM ended",
        Params().add(generation));
    if (!rows) return rows.error();
    return ok_status();
}

Status PgStore::ping() {
    std::lock_guard lock(control_mutex_);
    auto db = control();
    if (!db) return db.error();
    return db.value()->exec("SELECT 1");
}

}  // namespace restock::pg
