#include "adapters/sqlite/sqlite_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "adapters/sqlite/schema.h"
#include "adapters/sqlite/sqlite_reader.h"

namespace restock::sqlite {
namespace {

// Rows per multi-row movement INSERT: fewer statement executions per group commit.
constexpr std::size_t kMovementsPerInsert = 32;
constexpr int kMovementFields = 8;

std::string movement_insert_sql(std::size_t rows) {
    std::string sql = "INSERT INTO movements(" + std::string(kMovementColumns) + ") VALUES ";
    for (std::size_t i = 0; i < rows; ++i)
        sql += (i == 0 ? "(?,?,?,?,?,?,?,?)" : ",(?,?,?,?,?,?,?,?)");
    return sql;
}

void bind_movement(Statement& stmt, int base, const Movement& m) {
    stmt.bind(base + 1, m.id)
        .bind(base + 2, m.product_id)
        .bind(base + 3, m.prev_id)
        .bind(base + 4, static_cast<int64_t>(m.kind))
        .bind(base + 5, m.delta)
        .bind(base + 6, m.on_hand_after)
        .bind(base + 7, std::string_view(m.reference))
        .bind(base + 8, m.at_ms);
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path) {
    auto writer = Connection::open(path, /*create=*/true);
    if (!writer) return writer.error();
    if (auto migrated = migrate(*writer.value()); !migrated) return migrated.error();
    std::unique_ptr<SqliteStore> store(new SqliteStore(path, std::move(writer.value())));

    auto prepare = [&](Statement& target, const std::string& sql) -> Status {
        auto stmt = store->writer_->prepare(sql);
        if (!stmt) return stmt.error();
        target = std::move(stmt.value());
        return ok_status();
    };
    const std::string product_upsert =
        "INSERT INTO products(" + std::string(kProductColumns) +
        ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
        "name=excluded.name, on_hand=excluded.on_hand, reserved=excluded.reserved, "
        "on_order=excluded.on_order, reorder_point=excluded.reorder_point, "
        "reorder_qty=excluded.reorder_qty, order_up_to=excluded.order_up_to, "
        "min_order_qty=excluded.min_order_qty, pack_size=excluded.pack_size, "
        "factory_id=excluded.factory_id, ad_id=excluded.ad_id, signal=excluded.signal, "
        "last_movement_id=excluded.last_movement_id, updated_at=excluded.updated_at, "
        "replenishment=excluded.replenishment, archived_at=excluded.archived_at, "
        "fill_rate_ppm=excluded.fill_rate_ppm";
    for (auto [target, sql] : std::initializer_list<std::pair<Statement*, std::string>>{
             {&store->upsert_product_, product_upsert},
             {&store->begin_, "BEGIN IMMEDIATE"},
             {&store->commit_, "COMMIT"},
             {&store->update_figures_,
              "UPDATE products SET on_hand = ?2, reserved = ?3, on_order = ?4, signal = ?5, "
              "last_movement_id = ?6, updated_at = ?7 WHERE id = ?1"},
             {&store->insert_movement_, movement_insert_sql(1)},
             {&store->insert_movements_wide_, movement_insert_sql(kMovementsPerInsert)},
             {&store->insert_event_, "INSERT INTO events(" + std::string(kEventColumns) +
                                         ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"},
             // Not INSERT OR REPLACE: that would resolve a second open order for a product
             // by deleting the first; this way the batch fails instead.
             {&store->upsert_order_,
              "INSERT INTO restock_orders(" + std::string(kOrderColumns) +
                  ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
                  "qty=excluded.qty, factory_id=excluded.factory_id, status=excluded.status, "
                  "attempts=excluded.attempts, received_qty=excluded.received_qty, "
                  "last_error=excluded.last_error, updated_at=excluded.updated_at, "
                  "dispatch_message_id=excluded.dispatch_message_id, "
                  "dispatch_until=excluded.dispatch_until"},
             {&store->upsert_factory_, "INSERT OR REPLACE INTO factories(" +
                                           std::string(kFactoryColumns) + ") VALUES (?,?,?,?,?,?)"},
             {&store->upsert_subscription_, "INSERT OR REPLACE INTO subscriptions(" +
                                                std::string(kSubscriptionColumns) +
                                                ") VALUES (?,?,?,?,?,?,?)"},
             {&store->delete_subscription_, "DELETE FROM subscriptions WHERE id = ?"},
             {&store->delete_factory_, "DELETE FROM factories WHERE id = ?"},
             {&store->insert_session_,
              "INSERT INTO sessions(" + std::string(kSessionColumns) + ") VALUES (?,?,?,?,NULL)"},
             {&store->end_session_,
              "UPDATE sessions SET ended_at = ? WHERE hash = ? AND ended_at IS NULL"},
             {&store->upsert_learned_, "INSERT OR REPLACE INTO replenishment_state(" +
                                           std::string(kLearnedColumns) + ") VALUES (?,?,?,?)"},
             {&store->upsert_reservation_, "INSERT OR REPLACE INTO reservations(" +
                                               std::string(kReservationColumns) +
                                               ") VALUES (?,?,?,?,?,?,?)"},
             {&store->upsert_queue_, "INSERT OR REPLACE INTO queues(" + std::string(kQueueColumns) +
                                         ") VALUES (?,?,?,?,?,?)"},
             {&store->upsert_message_, "INSERT OR REPLACE INTO queue_messages(" +
                                           std::string(kMessageColumns) +
                                           ") VALUES (?,?,?,?,?,?,?,?,?)"},
             {&store->delete_message_, "DELETE FROM queue_messages WHERE id = ?"},
             {&store->set_message_mark_,
              "INSERT INTO meta(key, value) VALUES ('last_message_id', ?) ON CONFLICT(key) DO "
              "UPDATE SET value = excluded.value WHERE CAST(excluded.value AS INTEGER) > "
              "CAST(meta.value AS INTEGER)"},
             {&store->insert_idempotency_, "INSERT INTO idempotency(" +
                                               std::string(kIdempotencyColumns) +
                                               ") VALUES (?,?,?,?,?,?,?,?)"},
             {&store->insert_receipt_,
              "INSERT INTO receipts(product_id, reference, qty, movement_id) VALUES (?,?,?,?)"},
             {&store->discard_slices_, "DELETE FROM checkout_index WHERE run >= ?"},
             {&store->insert_slice_,
              "INSERT INTO checkout_index(run, first_key, entries) VALUES (?,?,?)"},
             {&store->complete_run_, "INSERT INTO checkout_index_runs(run, through) VALUES (?,?)"},
         }) {
        if (auto s = prepare(*target, sql); !s) return s.error();
    }
    // Checkpoints run on their own thread; the writer's commits never do one. The writer's
    // commits do not sync either: the engine calls sync() (on another thread) before it
    // acknowledges anything.
    if (auto s = store->writer_->exec("PRAGMA wal_autocheckpoint=0; PRAGMA synchronous=NORMAL");
        !s) {
        return s.error();
    }
    if (auto s = store->open_wal_for_sync(); !s) return s.error();
    auto checkpointer = Checkpointer::start(path);
    if (!checkpointer) return checkpointer.error();
    store->checkpointer_ = std::move(checkpointer.value());
    return store;
}

SqliteStore::SqliteStore(std::string path, std::unique_ptr<Connection> writer)
    : path_(std::move(path)), writer_(std::move(writer)) {}

SqliteStore::~SqliteStore() {
    checkpointer_.reset();
    if (wal_fd_ >= 0) ::close(wal_fd_);
}

Status SqliteStore::open_wal_for_sync() {
    // The schema migration wrote through the WAL, so it exists, and it stays the same file
    // (inode) while any connection is open. Its directory entry is synced once here.
    const std::string wal = path_ + "-wal";
    wal_fd_ = ::open(wal.c_str(), O_RDWR | O_CLOEXEC);
    if (wal_fd_ < 0) {
        return make_error(ErrorCode::kUnavailable, "store-error",
                          "cannot open " + wal + ": " + std::strerror(errno));
    }
    const auto slash = path_.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : path_.substr(0, slash + 1);
    const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
        ::fsync(dir_fd);
        ::close(dir_fd);
    }
    return ok_status();
}

Result<EngineSnapshot> SqliteStore::load() {
    std::lock_guard lock(writer_mutex_);
    EngineSnapshot snapshot;
    auto products =
        writer_->prepare("SELECT " + std::string(kProductColumns) + " FROM products ORDER BY id");
    if (!products) return products.error();
    while (true) {
        auto row = products->step();
        if (!row) return row.error();
        if (!row.value()) break;
        snapshot.products.push_back(read_product(products.value()));
    }
    if (auto s = load_loop_state(snapshot); !s) return s.error();
    if (auto s = load_checkout_index(snapshot); !s) return s.error();
    auto scalars = writer_->prepare(
        "SELECT (SELECT coalesce(max(id), 0) FROM movements), "
        "(SELECT coalesce(max(seq), 0) FROM events), "
        "(SELECT value FROM meta WHERE key = 'database_id'), "
        "max((SELECT coalesce(max(id), 0) FROM queue_messages), "
        "coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'last_message_id'), 0))");
    if (!scalars) return scalars.error();
    auto row = scalars->step();
    if (!row) return row.error();
    snapshot.last_movement_id = scalars->integer(0);
    snapshot.last_event_seq = scalars->integer(1);
    snapshot.database_id = scalars->text(2);
    snapshot.last_message_id = scalars->integer(3);
    return snapshot;
}

namespace {

template <typename T, typename Read>
Status read_all(Connection& db, const std::string& sql, Read read, std::vector<T>& out) {
    auto stmt = db.prepare(sql);
    if (!stmt) return stmt.error();
    while (true) {
        auto row = stmt->step();
        if (!row) return row.error();
        if (!row.value()) return ok_status();
        out.push_back(read(stmt.value()));
    }
}

}  // namespace

Status SqliteStore::load_loop_state(EngineSnapshot& snapshot) {
    auto table = [](const char* columns, const char* name, const char* order) {
        return "SELECT " + std::string(columns) + " FROM " + name + " ORDER BY " + order;
    };
    if (auto s = read_all(*writer_, table(kOrderColumns, "restock_orders", "created_at"),
                          read_order<Statement>, snapshot.orders);
        !s) {
        return s;
    }
    if (auto s = read_all(*writer_, table(kFactoryColumns, "factories", "id"),
                          read_factory<Statement>, snapshot.factories);
        !s) {
        return s;
    }
    if (auto s = read_all(*writer_, table(kSubscriptionColumns, "subscriptions", "created_at"),
                          read_subscription<Statement>, snapshot.subscriptions);
        !s) {
        return s;
    }
    if (auto s = read_all(*writer_, table(kQueueColumns, "queues", "name"), read_queue<Statement>,
                          snapshot.queue_policies);
        !s) {
        return s;
    }
    if (auto s = read_all(*writer_,
                          "SELECT " + std::string(kReservationColumns) +
                              " FROM reservations WHERE status = 'held' ORDER BY expires_at",
                          read_reservation<Statement>, snapshot.reservations);
        !s) {
        return s;
    }
    if (auto s = read_all(*writer_,
                          "SELECT " + std::string(kEventColumns) +
                              " FROM events WHERE type IN ('alarm.raised', 'alarm.cleared') "
                              "ORDER BY seq",
                          read_event<Statement>, snapshot.alarm_events);
        !s) {
        return s;
    }
    if (auto s = read_all(*writer_, table(kLearnedColumns, "replenishment_state", "scope, key"),
                          read_learned<Statement>, snapshot.learned);
        !s) {
        return s;
    }
    return read_all(*writer_, table(kMessageColumns, "queue_messages", "id"),
                    read_message<Statement>, snapshot.queue_messages);
}

Status SqliteStore::load_checkout_index(EngineSnapshot& snapshot) {
    auto mark = writer_->prepare(
        "SELECT coalesce(max(run), 0), coalesce(max(through), 0) FROM checkout_index_runs");
    if (!mark) return mark.error();
    if (auto row = mark->step(); !row) return row.error();
    snapshot.checkout_index = CheckoutIndexMark{mark->integer(0), mark->integer(1)};
    mark->reset();
    auto tail =
        writer_->prepare("SELECT " + std::string(kCheckoutTailColumns) +
                         " FROM movements WHERE id > ? AND " + kCheckoutTailKinds + " ORDER BY id");
    if (!tail) return tail.error();
    tail->bind(1, snapshot.checkout_index.through);
    while (true) {
        auto row = tail->step();
        if (!row) return row.error();
        if (!row.value()) return ok_status();
        snapshot.checkout_tail.push_back(read_checkout_entry(tail.value()));
    }
}

Result<std::string> SqliteStore::callback_secret() {
    std::lock_guard lock(writer_mutex_);
    auto stmt = writer_->prepare("SELECT value FROM meta WHERE key = 'callback_secret'");
    if (!stmt) return stmt.error();
    auto row = stmt->step();
    if (!row) return row.error();
    if (!row.value()) return make_error(ErrorCode::kInternal, "internal", "no callback secret");
    return stmt->text(0);
}

Status SqliteStore::write(const WriteBatch& batch) {
    std::lock_guard lock(writer_mutex_);
    if (auto s = begin_.run(); !s) return s;  // BEGIN IMMEDIATE, prepared once
    const Status written = write_rows(batch);
    if (!written) {
        (void)writer_->exec("ROLLBACK");
        return written;
    }
    // synchronous=NORMAL on this connection: COMMIT hands the WAL frames to the OS and makes
    // them visible, without waiting for the disk. sync() does that, on the caller's schedule.
    const Status committed = commit_.run();
    if (!committed) {
        (void)writer_->exec("ROLLBACK");
        return committed;
    }
    checkpointer_->notify_commit();
    return committed;
}

Status SqliteStore::sync() {
    // Flushes every WAL frame written so far: one fdatasync covers all the batches written
    // before it (and, with WAL, a commit is durable once its frames are). The checkpointer's
    // connection keeps synchronous=FULL, so checkpoints sync the WAL before copying it and the
    // database after, and a reset WAL header is synced before reuse.
    if (::fdatasync(wal_fd_) != 0) {
        return make_error(ErrorCode::kInternal, "sync-failed",
                          std::string("fdatasync of the WAL failed: ") + std::strerror(errno));
    }
    return ok_status();
}

Status SqliteStore::write_rows(const WriteBatch& batch) {
    for (const Product& p : batch.products) {
        upsert_product_.bind(1, p.id)
            .bind(2, std::string_view(p.sku))
            .bind(3, std::string_view(p.name))
            .bind(4, p.on_hand)
            .bind(5, p.reserved)
            .bind(6, p.on_order)
            .bind(7, p.settings.reorder_point)
            .bind(8, p.settings.reorder_qty)
            .bind(9, p.settings.order_up_to)
            .bind(10, p.settings.min_order_qty)
            .bind(11, p.settings.pack_size)
            .bind(12, std::string_view(p.settings.factory_id))
            .bind(13, p.settings.ad_id)
            .bind(14, static_cast<int64_t>(p.signal))
            .bind(15, p.last_movement_id)
            .bind(16, p.created_at_ms)
            .bind(17, p.updated_at_ms)
            .bind(18, static_cast<int64_t>(p.settings.replenishment))
            .bind(19, p.archived_at_ms)
            .bind(20, fill_rate_ppm(p.settings));
        if (auto s = upsert_product_.run(); !s) return s;
    }
    for (const ProductFigures& f : batch.figures) {
        update_figures_.bind(1, f.id)
            .bind(2, f.on_hand)
            .bind(3, f.reserved)
            .bind(4, f.on_order)
            .bind(5, static_cast<int64_t>(f.signal))
            .bind(6, f.last_movement_id)
            .bind(7, f.updated_at_ms);
        if (auto s = update_figures_.run(); !s) return s;
    }
    if (auto s = write_movements(batch.movements); !s) return s;
    for (const Event& e : batch.events) {
        insert_event_.bind(1, e.seq)
            .bind(2, std::string_view(e.id))
            .bind(3, to_string(e.type))
            .bind(4, std::string_view(e.sku))
            .bind(5, e.figures.on_hand)
            .bind(6, e.figures.reserved)
            .bind(7, e.figures.available)
            .bind(8, e.figures.on_order)
            .bind(9, e.figures.position)
            .bind(10, e.figures.reorder_point)
            .bind(11, std::string_view(e.cause))
            .bind(12, std::string_view(e.order_id))
            .bind(13, e.qty)
            .bind(14, e.at_ms);
        if (auto s = insert_event_.run(); !s) return s;
    }
    for (const IdempotencyRecord& r : batch.idempotency) {
        insert_idempotency_.bind(1, std::string_view(r.principal))
            .bind(2, std::string_view(r.key))
            .bind(3, std::string_view(r.fingerprint))
            .bind(4, static_cast<int64_t>(r.status))
            .bind(5, std::string_view(r.body))
            .bind(6, std::string_view(r.location))
            .bind(7, r.at_ms)
            .bind(8, std::string_view(r.request_id));
        if (auto s = insert_idempotency_.run(); !s) return s;
    }
    if (auto s = write_loop_state(batch); !s) return s;
    if (auto s = write_checkout_index(batch.checkout_index); !s) return s;
    for (const ReceiptRecord& r : batch.receipts) {
        insert_receipt_.bind(1, r.product_id)
            .bind(2, std::string_view(r.reference))
            .bind(3, r.qty)
            .bind(4, r.movement_id);
        if (auto s = insert_receipt_.run(); !s) return s;
    }
    return ok_status();
}

Status SqliteStore::write_loop_state(const WriteBatch& batch) {
    for (const RestockOrder& o : batch.orders) {
        upsert_order_.bind(1, std::string_view(o.id))
            .bind(2, o.product_id)
            .bind(3, std::string_view(o.sku))
            .bind(4, o.qty)
            .bind(5, std::string_view(o.factory_id))
            .bind(6, to_string(o.status))
            .bind(7, o.attempts)
            .bind(8, o.received_qty)
            .bind(9, std::string_view(o.last_error))
            .bind(10, std::string_view(o.trigger_event_id))
            .bind(11, o.created_at_ms)
            .bind(12, o.updated_at_ms)
            .bind(13, o.dispatch_message_id)
            .bind(14, o.dispatch_until_ms);
        if (auto s = upsert_order_.run(); !s) return s;
    }
    for (const Factory& f : batch.factories) {
        upsert_factory_.bind(1, std::string_view(f.id))
            .bind(2, std::string_view(f.url))
            .bind(3, std::string_view(f.format))
            .bind(4, f.timeout_ms)
            .bind(5, f.created_at_ms)
            .bind(6, f.lead_time_days);
        if (auto s = upsert_factory_.run(); !s) return s;
    }
    for (const LearnedRecord& l : batch.learned) {
        upsert_learned_.bind(1, std::string_view(l.scope))
            .bind(2, std::string_view(l.key))
            .bind(3, std::string_view(l.state))
            .bind(4, l.updated_at_ms);
        if (auto s = upsert_learned_.run(); !s) return s;
    }
    for (const Subscription& sub : batch.subscriptions) {
        const std::string types = join_event_types(sub.event_types);
        upsert_subscription_.bind(1, std::string_view(sub.id))
            .bind(2, std::string_view(sub.topic))
            .bind(3, to_string(sub.protocol))
            .bind(4, std::string_view(sub.endpoint))
            .bind(5, std::string_view(types))
            .bind(6, std::string_view(sub.secret))
            .bind(7, sub.created_at_ms);
        if (auto s = upsert_subscription_.run(); !s) return s;
    }
    for (const std::string& id : batch.deleted_subscriptions) {
        delete_subscription_.bind(1, std::string_view(id));
        if (auto s = delete_subscription_.run(); !s) return s;
    }
    for (const std::string& id : batch.deleted_factories) {
        delete_factory_.bind(1, std::string_view(id));
        if (auto s = delete_factory_.run(); !s) return s;
    }
    for (const SessionRecord& session : batch.sessions) {
        insert_session_.bind(1, std::string_view(session.hash))
            .bind(2, std::string_view(session.key_hash))
            .bind(3, session.created_at_ms)
            .bind(4, session.expires_at_ms);
        if (auto s = insert_session_.run(); !s) return s;
    }
    for (const SessionEnd& end : batch.ended_sessions) {
        end_session_.bind(1, end.at_ms).bind(2, std::string_view(end.hash));
        if (auto s = end_session_.run(); !s) return s;
    }
    for (const Reservation& h : batch.reservations) {
        const std::string lines = encode_lines(h.lines);
        upsert_reservation_.bind(1, std::string_view(h.id))
            .bind(2, to_string(h.status))
            .bind(3, std::string_view(lines))
            .bind(4, h.expires_at_ms)
            .bind(5, h.created_at_ms)
            .bind(6, h.updated_at_ms)
            .bind(7, std::string_view(h.order_id));
        if (auto s = upsert_reservation_.run(); !s) return s;
    }
    for (const QueuePolicy& q : batch.queues.policies) {
        upsert_queue_.bind(1, std::string_view(q.name))
            .bind(2, std::string_view(q.dlq))
            .bind(3, q.max_receive_count)
            .bind(4, q.visibility_timeout_ms)
            .bind(5, q.backoff_base_ms)
            .bind(6, q.backoff_max_ms);
        if (auto s = upsert_queue_.run(); !s) return s;
    }
    for (const QueueMessage& m : batch.queues.upserted) {
        upsert_message_.bind(1, m.id)
            .bind(2, std::string_view(m.queue))
            .bind(3, std::string_view(m.body))
            .bind(4, m.receive_count)
            .bind(5, m.visible_at_ms)
            .bind(6, static_cast<int64_t>(m.in_flight ? 1 : 0))
            .bind(7, std::string_view(m.last_error))
            .bind(8, std::string_view(m.source_queue))
            .bind(9, m.created_at_ms);
        if (auto s = upsert_message_.run(); !s) return s;
    }
    for (int64_t id : batch.queues.deleted) {
        delete_message_.bind(1, id);
        if (auto s = delete_message_.run(); !s) return s;
    }
    // Acknowledged messages are deleted, so max(id) alone would hand out ids again after a
    // restart; keep the high-water mark.
    int64_t highest = 0;
    for (const QueueMessage& m : batch.queues.upserted) highest = std::max(highest, m.id);
    if (highest > 0) {
        const std::string mark = std::to_string(highest);
        set_message_mark_.bind(1, std::string_view(mark));
        if (auto s = set_message_mark_.run(); !s) return s;
    }
    return ok_status();
}

Status SqliteStore::write_movements(const std::vector<Movement>& movements) {
    std::size_t i = 0;
    for (; i + kMovementsPerInsert <= movements.size(); i += kMovementsPerInsert) {
        for (std::size_t k = 0; k < kMovementsPerInsert; ++k) {
            bind_movement(insert_movements_wide_, static_cast<int>(k) * kMovementFields,
                          movements[i + k]);
        }
        if (auto s = insert_movements_wide_.run(); !s) return s;
    }
    for (; i < movements.size(); ++i) {
        bind_movement(insert_movement_, 0, movements[i]);
        if (auto s = insert_movement_.run(); !s) return s;
    }
    return ok_status();
}

Status SqliteStore::write_checkout_index(const CheckoutIndexWrite& write) {
    if (write.empty()) return ok_status();
    if (write.starts_run) {
        discard_slices_.bind(1, write.slices.front().run);
        if (auto s = discard_slices_.run(); !s) return s;
    }
    for (const CheckoutSlice& slice : write.slices) {
        insert_slice_.bind(1, slice.run)
            .bind(2, slice.first_key)
            .bind(3, std::string_view(slice.entries));
        if (auto s = insert_slice_.run(); !s) return s;
    }
    if (write.completes) {
        complete_run_.bind(1, write.completes->runs).bind(2, write.completes->through);
        if (auto s = complete_run_.run(); !s) return s;
    }
    return ok_status();
}

Result<std::unique_ptr<StockReader>> SqliteStore::open_reader() {
    auto connection = Connection::open(path_, /*create=*/false);
    if (!connection) return connection.error();
    return SqliteReader::create(std::move(connection.value()));
}

Result<ApiKeyRecord> SqliteStore::create_key(ApiKeyRecord record) {
    std::lock_guard lock(writer_mutex_);
    auto stmt = writer_->prepare(
        "INSERT INTO api_keys(hash, name, role, created_at) VALUES (?,?,?,?) RETURNING id");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(record.hash))
        .bind(2, std::string_view(record.name))
        .bind(3, std::string_view(record.role))
        .bind(4, record.created_at_ms);
    auto row = stmt->step();
    if (!row) {
        if (sqlite3_extended_errcode(writer_->handle()) == SQLITE_CONSTRAINT_UNIQUE) {
            return make_error(ErrorCode::kAlreadyExists, "key-exists",
                              "a live key named '" + record.name +
                                  "' exists; revoke it first to give its name to a new key");
        }
        return row.error();
    }
    record.id = stmt->integer(0);
    stmt->reset();
    if (auto synced = sync(); !synced) return synced.error();
    return record;
}

Result<std::vector<ApiKeyRecord>> SqliteStore::list_keys() {
    std::lock_guard lock(writer_mutex_);
    std::vector<ApiKeyRecord> keys;
    if (auto s =
            read_all(*writer_, "SELECT " + std::string(kKeyColumns) + " FROM api_keys ORDER BY id",
                     read_key<Statement>, keys);
        !s) {
        return s.error();
    }
    return keys;
}

Status SqliteStore::revoke_key(std::string_view name, int64_t at_ms) {
    std::lock_guard lock(writer_mutex_);
    auto stmt = writer_->prepare(
        "UPDATE api_keys SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL");
    if (!stmt) return stmt.error();
    stmt->bind(1, at_ms).bind(2, name);
    if (auto s = stmt->run(); !s) return s;
    if (sqlite3_changes(writer_->handle()) == 0) {
        return make_error(ErrorCode::kNotFound, "key-not-found",
                          "no active key named '" + std::string(name) + "'");
    }
    return sync();
}

Result<int64_t> SqliteStore::expire_idempotency(int64_t before_ms) {
    std::lock_guard lock(writer_mutex_);
    auto stmt = writer_->prepare("DELETE FROM idempotency WHERE at < ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, before_ms);
    if (auto s = stmt->run(); !s) return s.error();
    const auto expired = static_cast<int64_t>(sqlite3_changes(writer_->handle()));
    // Sessions past their end are dropped with them: no cookie can bring them back.
    auto sessions = writer_->prepare("DELETE FROM sessions WHERE expires_at < ?");
    if (!sessions) return sessions.error();
    sessions->bind(1, before_ms);
    if (auto s = sessions->run(); !s) return s.error();
    return expired;
}

}  // namespace restock::sqlite
