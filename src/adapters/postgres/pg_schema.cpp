#include "adapters/postgres/pg_schema.h"

#include <iterator>
#include <string>

namespace restock::pg {
namespace {

// Any 64-bit number of ours: the advisory lock the migrations take.
constexpr int64_t kMigrationLock = 0x7265'7374'6f63'6b01;  // "restock" 01

// Movements carry prev_id, a per-product chain (as on SQLite): the ledger is append-only by its
// primary key, and a product's history is walked by primary-key lookups.
// Products are updated in place at every group commit: fillfactor leaves room for HOT updates.
constexpr const char* kVersion1 = R"sql(
CREATE TABLE meta (
  key text PRIMARY KEY,
  value text NOT NULL
);
INSERT INTO meta(key, value) VALUES
  ('database_id', substr(replace(gen_random_uuid()::text, '-', ''), 1, 12)),
  ('callback_secret', replace(gen_random_uuid()::text, '-', '') ||
                      replace(gen_random_uuid()::text, '-', '')),
  ('last_message_id', '0');
CREATE TABLE products (
  id bigint PRIMARY KEY,
  sku text NOT NULL UNIQUE,
  name text NOT NULL,
  on_hand bigint NOT NULL CHECK (on_hand >= 0),
  reserved bigint NOT NULL CHECK (reserved >= 0 AND reserved <= on_hand),
  on_order bigint NOT NULL CHECK (on_order >= 0),
  reorder_point bigint NOT NULL,
  reorder_qty bigint NOT NULL,
  order_up_to bigint,
  min_order_qty bigint NOT NULL,
  pack_size bigint NOT NULL,
  factory_id text NOT NULL,
  ad_id text,
  signal smallint NOT NULL,
  last_movement_id bigint NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
) WITH (fillfactor = 70);
CREATE TABLE movements (
  id bigint PRIMARY KEY,
  product_id bigint NOT NULL,
  prev_id bigint NOT NULL,
  kind smallint NOT NULL,
  delta bigint NOT NULL,
  on_hand_after bigint NOT NULL CHECK (on_hand_after >= 0),
  reference text NOT NULL,
  at bigint NOT NULL
);
CREATE TABLE events (
  seq bigint PRIMARY KEY,
  id text NOT NULL,
  type text NOT NULL,
  sku text NOT NULL,
  on_hand bigint NOT NULL,
  reserved bigint NOT NULL,
  available bigint NOT NULL,
  on_order bigint NOT NULL,
  position bigint NOT NULL,
  reorder_point bigint NOT NULL,
  cause text NOT NULL,
  order_id text NOT NULL DEFAULT '',
  qty bigint NOT NULL DEFAULT 0,
  at bigint NOT NULL
);
CREATE TABLE idempotency (
  principal text NOT NULL,
  key text NOT NULL,
  fingerprint text NOT NULL,
  status integer NOT NULL,
  body text NOT NULL,
  location text NOT NULL,
  at bigint NOT NULL,
  PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_by_age ON idempotency(at);
CREATE TABLE receipts (
  product_id bigint NOT NULL,
  reference text NOT NULL,
  qty bigint NOT NULL,
  movement_id bigint NOT NULL,
  PRIMARY KEY (product_id, reference)
);
CREATE TABLE restock_orders (
  id text PRIMARY KEY,
  product_id bigint NOT NULL,
  sku text NOT NULL,
  qty bigint NOT NULL,
  factory_id text NOT NULL,
  status text NOT NULL,
  attempts bigint NOT NULL,
  received_qty bigint NOT NULL,
  last_error text NOT NULL,
  trigger_event_id text NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  dispatch_message_id bigint NOT NULL DEFAULT 0,
  dispatch_until bigint NOT NULL DEFAULT 0
);
-- At most one open restock order per product, whoever writes.
CREATE UNIQUE INDEX restock_orders_one_open ON restock_orders(product_id)
  WHERE status IN ('pending', 'sent', 'acknowledged');
CREATE TABLE factories (
  id text PRIMARY KEY,
  url text NOT NULL,
  format text NOT NULL,
  timeout_ms bigint NOT NULL,
  created_at bigint NOT NULL
);
CREATE TABLE subscriptions (
  id text PRIMARY KEY,
  topic text NOT NULL,
  protocol text NOT NULL,
  endpoint text NOT NULL,
  event_types text NOT NULL,
  secret text NOT NULL,
  created_at bigint NOT NULL
);
CREATE TABLE queues (
  name text PRIMARY KEY,
  dlq text NOT NULL,
  max_receive_count bigint NOT NULL,
  visibility_timeout_ms bigint NOT NULL,
  backoff_base_ms bigint NOT NULL,
  backoff_max_ms bigint NOT NULL
);
CREATE TABLE queue_messages (
  id bigint PRIMARY KEY,
  queue text NOT NULL,
  body text NOT NULL,
  receive_count bigint NOT NULL,
  visible_at bigint NOT NULL,
  in_flight smallint NOT NULL,
  last_error text NOT NULL,
  source_queue text NOT NULL,
  created_at bigint NOT NULL
);
CREATE TABLE api_keys (
  id bigserial PRIMARY KEY,
  hash text NOT NULL UNIQUE,
  name text NOT NULL UNIQUE,
  role text NOT NULL,
  created_at bigint NOT NULL,
  revoked_at bigint
);

-- The writer lease (ports/writer_lease.h): one row. Expiry is judged by this server's clock.
CREATE TABLE writer_lease (
  id integer PRIMARY KEY CHECK (id = 1),
  generation bigint NOT NULL,
  node_id text NOT NULL,
  node_url text NOT NULL,
  expires_at timestamptz NOT NULL
);
INSERT INTO writer_lease VALUES (1, 0, '', '', '-infinity');

-- The first statement of every group commit. The share lock it takes on the lease row is held
-- to the end of the transaction, so a node taking the lease (an UPDATE of that row) waits for
-- the commit in progress, and every later commit of the old holder fails here.
CREATE FUNCTION restock_fence(held bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM writer_lease WHERE id = 1 AND generation = held FOR SHARE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'this node no longer holds the writer lease (its generation % has ended)',
      held USING ERRCODE = 'RS001';
  END IF;
END $$;

-- Takes the lease if it has expired; returns the new generation, or NULL if it is held.
CREATE FUNCTION restock_acquire(node text, url text, ttl_ms bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  taken bigint;
BEGIN
  UPDATE writer_lease
     SET generation = generation + 1, node_id = node, node_url = url,
         expires_at = clock_timestamp() + ttl_ms * interval '1 millisecond'
   WHERE id = 1 AND expires_at < clock_timestamp()
  RETURNING generation INTO taken;
  IF taken IS NOT NULL THEN
    PERFORM pg_notify('restock_writer', taken::text);
  END IF;
  RETURN taken;
END $$;
)sql";

constexpr const char* kVersion2 = R"sql(
ALTER TABLE idempotency ADD COLUMN request_id text NOT NULL DEFAULT '';
)sql";

constexpr const char* kVersion3 = R"sql(
CREATE TABLE reservations (
  id text PRIMARY KEY,
  status text NOT NULL,
  lines text NOT NULL,
  expires_at bigint NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  order_id text NOT NULL
);
CREATE INDEX reservations_held ON reservations(expires_at) WHERE status = 'held';
)sql";

constexpr const char* kVersion4 = R"sql(
CREATE TABLE checkout_index (
  run bigint NOT NULL,
  first_key bigint NOT NULL,
  entries text NOT NULL,
  PRIMARY KEY (run, first_key)
);
CREATE TABLE checkout_index_runs (
  run bigint PRIMARY KEY,
  through bigint NOT NULL
);
)sql";

// Replenishment modes and archived products; factories' lead times.
constexpr const char* kVersion5 = R"sql(
ALTER TABLE products ADD COLUMN replenishment smallint NOT NULL DEFAULT 0;
ALTER TABLE products ADD COLUMN archived_at bigint;
ALTER TABLE factories ADD COLUMN lead_time_days bigint;
)sql";

// A revoked key's name may be given to a new key; two live keys never share one.
constexpr const char* kVersion6 = R"sql(
ALTER TABLE api_keys DROP CONSTRAINT IF EXISTS api_keys_name_key;
CREATE UNIQUE INDEX api_keys_live_name ON api_keys(name) WHERE revoked_at IS NULL;
)sql";

// Dashboard logins, by the hash of the cookie's token.
constexpr const char* kVersion7 = R"sql(
CREATE TABLE sessions (
  hash text PRIMARY KEY,
  key_hash text NOT NULL,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  ended_at bigint
);
CREATE INDEX events_alarms ON events(seq) WHERE type IN ('alarm.raised', 'alarm.cleared');
)sql";

constexpr const char* kMigrations[] = {kVersion1, kVersion2, kVersion3, kVersion4,
                                       kVersion5, kVersion6, kVersion7};
static_assert(std::size(kMigrations) == kSchemaVersion);

Result<int> current_version(Connection& db) {
    auto rows = db.query("SELECT coalesce(max(version), 0) FROM restock_schema");
    if (!rows) return rows.error();
    return static_cast<int>(rows->integer(0, 0));
}

}  // namespace

Status migrate(Connection& db) {
    while (true) {
        if (auto s = db.exec("BEGIN"); !s) return s;
        auto rollback = [&](Error error) -> Status {
            (void)db.exec("ROLLBACK");
            return error;
        };
        if (auto s =
                db.query("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLock) + ")");
            !s) {
            return rollback(s.error());
        }
        if (auto s = db.exec("CREATE TABLE IF NOT EXISTS restock_schema ("
                             "version integer PRIMARY KEY, applied_at timestamptz NOT NULL "
                             "DEFAULT now())");
            !s) {
            return rollback(s.error());
        }
        auto found = current_version(db);
        if (!found) return rollback(found.error());
        if (found.value() > kSchemaVersion) {
            return rollback(make_error(ErrorCode::kInternal, "schema-too-new",
                                       "the database was written by a newer restock (schema " +
                                           std::to_string(found.value()) + "); upgrade restock"));
        }
        if (found.value() == kSchemaVersion) return db.exec("COMMIT");
        const int next = found.value() + 1;
        if (auto s = db.exec(kMigrations[next - 1]); !s) {
            return rollback(make_error(s.error().code, s.error().slug,
                                       "schema migration to version " + std::to_string(next) +
                                           " failed: " + s.error().message));
        }
        if (auto s = db.exec("INSERT INTO restock_schema(version) VALUES (" + std::to_string(next) +
                             ")");
            !s) {
            return rollback(s.error());
        }
        if (auto s = db.exec("COMMIT"); !s) return s;
    }
}

}  // namespace restock::pg
