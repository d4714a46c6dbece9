// restock_engine_bench: committed checkout movements per second through the real StockEngine over
// the real SqliteStore (WAL; every batch fdatasync-ed before it is acknowledged, the sync of one
// batch overlapping the work of the next), then the "bare
// ceiling": the same schema driven by hand-written SQLite statements in batches, single-threaded,
// with no engine, no queue and no callbacks. Prints figures; exits non-zero only when something is
// clearly broken (nothing committed, lost or refused writes, ledger and stock disagreeing).
//
//   restock_engine_bench [--count N] [--producers P[,P...]] [--window W] [--products K]
//                        [--max-batch B] [--bare-count N] [--dir DIR] [--keep] [--skip-bare]
//                        [--max-seconds S]   (per engine run; default 30) [--random-order-ids]
//   --max-batch: the server's default (EngineOptions, 4096); --window: 4 x max batch.
//   --random-order-ids: order ids in no order (UUID-like) instead of counting up per producer.

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <future>
#include <random>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include "adapters/sqlite/sqlite_store.h"
#include "app/engine_client.h"
#include "app/stock_engine.h"
#include "core/requests.h"
#include "support/system_clock.h"

using namespace restock;
using Steady = std::chrono::steady_clock;

namespace {

constexpr int64_t kInitialOnHand = 1'000'000'000;  // limits::kMaxQuantity

struct Options {
    uint64_t count = 2'000'000;
    std::vector<int> producers = {2};
    // Checkouts in flight; 0: 4 x max_batch, so that batches queue up behind a sync.
    std::ptrdiff_t window = 0;
    int products = 1000;
    std::size_t max_batch = EngineOptions{}.max_batch;  // the server's default
    uint64_t bare_count = 0;                            // 0: same as count
    std::string dir;
    bool keep = false;
    bool skip_bare = false;
    double max_seconds = 30;  // producers stop submitting after this, whatever the count
    bool random_order_ids = false;
};

std::string g_data_dir;  // set once the data directory exists; kept on failure, for a look

[[noreturn]] void die(const std::string& message) {
    std::fprintf(stderr, "engine_bench: FAILED: %s\n", message.c_str());
    if (!g_data_dir.empty())
        std::fprintf(stderr, "engine_bench: data kept in %s\n", g_data_dir.c_str());
    std::exit(1);
}

double seconds_since(Steady::time_point start, Steady::time_point end = Steady::now()) {
    return std::chrono::duration<double>(end - start).count();
}

std::string sku_of(int i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "BENCH-%05d", i);
    return buf;
}

const char* fs_name(const std::string& path) {
    struct statfs s {};
    if (statfs(path.c_str(), &s) != 0) return "unknown";
    switch (static_cast<unsigned long>(s.f_type)) {
        case 0xEF53:
            return "ext4";
        case 0x01021994:
            return "tmpfs (fsync is a no-op: NOT durable figures)";
        case 0x58465342:
            return "xfs";
        case 0x9123683E:
            return "btrfs";
        case 0x794c7630:
            return "overlayfs";
        case 0x2fc12fc1:
            return "zfs";
        default:
            return "other";
    }
}

std::string fs_short(const std::string& path) {
    const std::string name = fs_name(path);
    return name.substr(0, name.find(' '));
}

// Average latency of a 4 KiB append + fdatasync on this directory: what one group commit costs
// at least.
double fdatasync_us(const std::string& dir) {
    const std::string path = dir + "/fsync-probe";
    const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
    if (fd < 0) return -1;
    char page[4096];
    std::memset(page, 'x', sizeof page);
    constexpr int kRounds = 200;
    const auto start = Steady::now();
    for (int i = 0; i < kRounds; ++i) {
        if (::write(fd, page, sizeof page) != static_cast<ssize_t>(sizeof page)) break;
        ::fdatasync(fd);
    }
    const double us = seconds_since(start) * 1e6 / kRounds;
    ::close(fd);
    ::unlink(path.c_str());
    return us;
}

// ---- engine ------------------------------------------------------------------------------------

struct EngineResult {
    int producers = 0;
    double seconds = 0;
    uint64_t committed = 0;
    double per_second = 0;
    double avg_batch = 0;
    uint64_t batches = 0;
};

// Opens the file read-only (engine stopped) and checks the ledger against the stock figures.
void verify_ledger(const std::string& path, uint64_t expected_checkouts, int products) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
        die("cannot reopen " + path);
    auto scalar = [&](const char* sql) {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK)
            die(std::string("verify: ") + sqlite3_errmsg(db));
        int64_t value = -1;
        if (sqlite3_step(stmt) == SQLITE_ROW) value = sqlite3_column_int64(stmt, 0);
        sqlite3_finalize(stmt);
        return value;
    };
    const int64_t ledger = scalar("SELECT count(*) FROM movements WHERE kind = 1");
    const int64_t on_hand = scalar("SELECT sum(on_hand) FROM products");
    const int64_t taken = kInitialOnHand * products - on_hand;
    sqlite3_close(db);
    std::printf("  durability: %" PRIu64 " acknowledged, %" PRId64
                " checkout rows in the ledger, "
                "%" PRId64 " taken from on_hand: %s\n",
                expected_checkouts, ledger, taken,
                (ledger == static_cast<int64_t>(expected_checkouts) && taken == ledger)
                    ? "OK"
                    : "MISMATCH");
    if (ledger != static_cast<int64_t>(expected_checkouts) || taken != ledger)
        die("ledger and acknowledgements disagree");
}

EngineResult run_engine(const Options& o, int producers, const std::string& path) {
    auto store = sqlite::SqliteStore::open(path);
    if (!store) die("cannot open store: " + store.error().message);
    SystemClock clock;
    EngineOptions engine_options;
    engine_options.max_batch = o.max_batch;
    auto started = StockEngine::start(*store.value(), clock, engine_options);
    if (!started) die("cannot start engine: " + started.error().message);
    std::unique_ptr<StockEngine> engine = std::move(started.value());

    // Every product names a registered factory (it is never called: nothing goes low here).
    Factory factory;
    factory.id = "factory-1";
    factory.url = "http://127.0.0.1:9";
    if (auto v = validate_factory(factory); !v) die("bad factory: " + v.error().message);
    if (Outcome put = submit_and_wait(*engine, PutFactory{factory});
        std::holds_alternative<Error>(put)) {
        die("cannot register the factory: " + std::get<Error>(put).message);
    }
    std::vector<std::string> skus;
    for (int i = 0; i < o.products; ++i) {
        skus.push_back(sku_of(i));
        NewProduct p;
        p.sku = skus.back();
        p.name = "bench product " + std::to_string(i);
        p.on_hand = kInitialOnHand;
        p.settings.reorder_point = 10;
        p.settings.reorder_qty = 100;
        p.settings.factory_id = "factory-1";
        if (auto v = validate(p); !v) die("bad product: " + v.error().message);
        Outcome outcome = submit_and_wait(*engine, p);
        if (const Error* error = std::get_if<Error>(&outcome)) {
            die("cannot create " + p.sku + ": " + error->message);
        }
        if (!std::holds_alternative<ProductOutcome>(outcome)) die("cannot create " + p.sku);
    }

    const StockEngine::Stats before = engine->stats();
    std::counting_semaphore<> window(o.window);
    std::atomic<uint64_t> committed{0}, refused{0}, finished{0}, submitted{0};
    std::string first_refusal;  // written once, on the engine thread, read after it stops
    const uint64_t total = o.count;

    const auto start = Steady::now();
    const auto deadline = start + std::chrono::duration_cast<Steady::duration>(
                                      std::chrono::duration<double>(o.max_seconds));
    std::vector<std::thread> threads;
    for (int t = 0; t < producers; ++t) {
        threads.emplace_back([&, t] {
            std::mt19937_64 rng(0x5eed + static_cast<uint64_t>(t));
            std::uniform_int_distribution<int> pick(0, o.products - 1);
            const uint64_t mine =
                total / producers + (static_cast<uint64_t>(t) < total % producers);
            const std::string prefix = "ord-" + std::to_string(t) + "-";
            uint64_t n = 0;
            for (; n < mine; ++n) {
                if (n % 1024 == 0 && Steady::now() > deadline) break;
                window.acquire();
                CheckoutRequest request;
                if (o.random_order_ids) {
                    char id[40];
                    std::snprintf(id, sizeof id, "ord-%016" PRIx64 "%016" PRIx64, rng(), rng());
                    request.order_id = id;
                } else {
                    request.order_id = prefix + std::to_string(n);
                }
                request.lines.push_back(CheckoutLine{skus[static_cast<std::size_t>(pick(rng))], 1});
                Submission submission;
                submission.command = std::move(request);
                submission.done = [&](Outcome outcome) {
                    if (std::holds_alternative<CheckoutOutcome>(outcome)) {
                        committed.fetch_add(1, std::memory_order_relaxed);
                    } else if (refused.fetch_add(1, std::memory_order_relaxed) == 0) {
                        const auto* error = std::get_if<Error>(&outcome);
                        first_refusal = error ? error->slug + ": " + error->message
                                              : "outcome #" + std::to_string(outcome.index());
                    }
                    window.release();
                    finished.fetch_add(1, std::memory_order_acq_rel);
                };
                engine->submit(std::move(submission));
            }
            submitted.fetch_add(n);
        });
    }
    for (auto& thread : threads) thread.join();
    const uint64_t all = submitted.load();
    while (finished.load() < all) std::this_thread::sleep_for(std::chrono::microseconds(50));
    const auto end = Steady::now();
    if (all < total) {
        std::printf("  (stopped at the %g s limit after %" PRIu64 " of %" PRIu64
                    " submissions: the machine is slow or busy)\n",
                    o.max_seconds, all, total);
    }
    const StockEngine::Stats after = engine->stats();
    engine.reset();  // drains and stops
    store.value().reset();

    if (refused.load() != 0)
        die(std::to_string(refused.load()) + " checkouts were refused or failed, the first with " +
            first_refusal);
    if (after.failed_batches != before.failed_batches) die("some group commits failed");

    EngineResult r;
    r.producers = producers;
    r.seconds = seconds_since(start, end);
    r.committed = committed.load();
    if (r.committed == 0 || r.seconds <= 0) die("nothing committed");
    r.per_second = static_cast<double>(r.committed) / r.seconds;
    r.batches = after.batches - before.batches;
    r.avg_batch = static_cast<double>(after.commands - before.commands) /
                  static_cast<double>(std::max<uint64_t>(1, r.batches));
    std::printf("engine  producers=%d window=%td max_batch=%zu: %" PRIu64
                " movements in %.2f s = %.0f movements/s, %" PRIu64
                " group commits, avg batch %.1f\n",
                producers, o.window, o.max_batch, r.committed, r.seconds, r.per_second, r.batches,
                r.avg_batch);
    verify_ledger(path, r.committed, o.products);
    return r;
}

// ---- bare SQLite ceiling -----------------------------------------------------------------------

void check(int rc, sqlite3* db, const char* what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        die(std::string(what) + ": " + sqlite3_errmsg(db));
}

void exec(sqlite3* db, const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        std::string text = message ? message : "?";
        sqlite3_free(message);
        die(std::string("exec '") + sql + "': " + text);
    }
}

double run_bare(const Options& o, std::size_t batch, const std::string& path) {
    {  // The schema exactly as the store creates it.
        auto store = sqlite::SqliteStore::open(path);
        if (!store) die("cannot open store: " + store.error().message);
    }
    sqlite3* db = nullptr;
    check(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr),
          db, "open");
    exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");

    const int64_t now = SystemClock().now_ms();
    std::vector<int64_t> on_hand(static_cast<std::size_t>(o.products) + 1, kInitialOnHand);
    std::vector<int64_t> last_movement(static_cast<std::size_t>(o.products) + 1, 0);
    exec(db, "BEGIN IMMEDIATE");
    {
        sqlite3_stmt* insert = nullptr;
        check(sqlite3_prepare_v2(
                  db,
                  "INSERT INTO products(id, sku, name, on_hand, reserved, on_order, "
                  "reorder_point, reorder_qty, order_up_to, min_order_qty, pack_size, "
                  "factory_id, ad_id, signal, last_movement_id, created_at, updated_at) "
                  "VALUES (?, ?, ?, ?, 0, 0, 10, 100, NULL, 1, 1, 'factory-1', NULL, 0, 0, ?, ?)",
                  -1, &insert, nullptr),
              db, "prepare product insert");
        for (int i = 1; i <= o.products; ++i) {
            const std::string sku = sku_of(i - 1), name = "bench product " + std::to_string(i);
            sqlite3_bind_int64(insert, 1, i);
            sqlite3_bind_text(insert, 2, sku.c_str(), -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(insert, 3, name.c_str(), -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(insert, 4, kInitialOnHand);
            sqlite3_bind_int64(insert, 5, now);
            sqlite3_bind_int64(insert, 6, now);
            check(sqlite3_step(insert), db, "insert product");
            sqlite3_reset(insert);
        }
        sqlite3_finalize(insert);
    }
    exec(db, "COMMIT");

    sqlite3_stmt* update = nullptr;
    sqlite3_stmt* movement = nullptr;
    check(sqlite3_prepare_v3(db,
                             "UPDATE products SET on_hand = on_hand - 1, last_movement_id = ? "
                             "WHERE id = ? AND on_hand - reserved >= 1",
                             -1, SQLITE_PREPARE_PERSISTENT, &update, nullptr),
          db, "prepare update");
    check(sqlite3_prepare_v3(db,
                             "INSERT INTO movements(id, product_id, prev_id, kind, delta, "
                             "on_hand_after, reference, at) VALUES (?, ?, ?, 1, -1, ?, ?, ?)",
                             -1, SQLITE_PREPARE_PERSISTENT, &movement, nullptr),
          db, "prepare movement");
    sqlite3_stmt* begin = nullptr;
    sqlite3_stmt* commit = nullptr;
    check(sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, nullptr), db, "prepare begin");
    check(sqlite3_prepare_v2(db, "COMMIT", -1, &commit, nullptr), db, "prepare commit");

    const uint64_t wanted = o.bare_count ? o.bare_count : o.count;
    uint64_t total = 0;
    std::mt19937_64 rng(0xba5e);
    std::uniform_int_distribution<int> pick(1, o.products);
    SystemClock wall;
    char reference[32];
    int64_t next_id = 0;
    const auto start = Steady::now();
    const auto deadline = start + std::chrono::duration_cast<Steady::duration>(
                                      std::chrono::duration<double>(o.max_seconds));
    while (total < wanted) {
        if (Steady::now() > deadline) {
            std::printf("  (stopped at the %g s limit after %" PRIu64 " of %" PRIu64
                        " movements: the machine is slow or busy)\n",
                        o.max_seconds, total, wanted);
            break;
        }
        const uint64_t n = std::min<uint64_t>(batch, wanted - total);
        const int64_t at = wall.now_ms();
        check(sqlite3_step(begin), db, "begin");
        sqlite3_reset(begin);
        for (uint64_t k = 0; k < n; ++k) {
            const int product = pick(rng);
            const int64_t id = ++next_id;
            sqlite3_bind_int64(update, 1, id);
            sqlite3_bind_int64(update, 2, product);
            check(sqlite3_step(update), db, "update");
            sqlite3_reset(update);
            if (sqlite3_changes(db) != 1) die("bare update refused");
            const int64_t after = --on_hand[static_cast<std::size_t>(product)];
            const int len = std::snprintf(reference, sizeof reference, "ord-b-%" PRIu64, total + k);
            sqlite3_bind_int64(movement, 1, id);
            sqlite3_bind_int64(movement, 2, product);
            sqlite3_bind_int64(movement, 3, last_movement[static_cast<std::size_t>(product)]);
            sqlite3_bind_int64(movement, 4, after);
            sqlite3_bind_text(movement, 5, reference, len, SQLITE_STATIC);
            sqlite3_bind_int64(movement, 6, at);
            check(sqlite3_step(movement), db, "insert movement");
            sqlite3_reset(movement);
            last_movement[static_cast<std::size_t>(product)] = id;
        }
        check(sqlite3_step(commit), db, "commit");
        sqlite3_reset(commit);
        total += n;
    }
    const double seconds = seconds_since(start);
    for (auto* stmt : {update, movement, begin, commit}) sqlite3_finalize(stmt);
    sqlite3_close(db);

    const double per_second = static_cast<double>(total) / seconds;
    std::printf("bare    batch=%zu: %" PRIu64 " movements in %.2f s = %.0f movements/s\n", batch,
                total, seconds, per_second);
    verify_ledger(path, total, o.products);
    return per_second;
}

std::vector<int> parse_list(const char* text) {
    std::vector<int> out;
    for (const char* p = text; *p;) {
        char* end = nullptr;
        const long v = std::strtol(p, &end, 10);
        if (end == p || v < 1) die(std::string("bad list '") + text + "'");
        out.push_back(static_cast<int>(v));
        p = (*end == ',') ? end + 1 : end;
        if (*end && *end != ',') die(std::string("bad list '") + text + "'");
    }
    return out;
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto next = [&]() -> const char* {
            if (i + 1 >= argc) die("missing value for " + arg);
            return argv[++i];
        };
        if (arg == "--count")
            o.count = std::strtoull(next(), nullptr, 10);
        else if (arg == "--producers")
            o.producers = parse_list(next());
        else if (arg == "--window")
            o.window = std::strtol(next(), nullptr, 10);
        else if (arg == "--products")
            o.products = std::atoi(next());
        else if (arg == "--max-batch")
            o.max_batch = std::strtoull(next(), nullptr, 10);
        else if (arg == "--bare-count")
            o.bare_count = std::strtoull(next(), nullptr, 10);
        else if (arg == "--dir")
            o.dir = next();
        else if (arg == "--keep")
            o.keep = true;
        else if (arg == "--skip-bare")
            o.skip_bare = true;
        else if (arg == "--max-seconds")
            o.max_seconds = std::strtod(next(), nullptr);
        else if (arg == "--random-order-ids")
            o.random_order_ids = true;
        else if (arg == "--help" || arg == "-h") {
            std::printf(
                "usage: restock_engine_bench [--count N] [--producers P[,P...]] "
                "[--window W] [--products K] [--max-batch B] [--bare-count N] "
                "[--dir DIR] [--keep] [--skip-bare] [--max-seconds S] "
                "[--random-order-ids]\n");
            std::exit(0);
        } else {
            die("unknown option " + arg);
        }
    }
    if (o.count == 0 || o.window < 0 || o.products < 1 || o.max_batch < 1) die("bad options");
    if (o.window == 0) o.window = static_cast<std::ptrdiff_t>(4 * o.max_batch);
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    Options o = parse(argc, argv);
    std::string dir;
    if (o.dir.empty()) {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base && *base ? base : "/tmp") + "/restock-bench-XXXXXX";
        if (!mkdtemp(pattern.data())) die("mkdtemp failed");
        dir = pattern;
    } else {
        dir = o.dir;
        std::filesystem::create_directories(dir);
    }
    g_data_dir = dir;
    auto remove_data = [&] {
        if (!o.keep && o.dir.empty()) {
            std::error_code ec;
            std::filesystem::remove_all(dir, ec);
        }
    };
    std::printf("restock_engine_bench: data in %s (%s), %u hardware threads, SQLite %s\n",
                dir.c_str(), fs_name(dir), std::thread::hardware_concurrency(),
                sqlite3_libversion());
    const double fsync_us = fdatasync_us(dir);
    std::printf("  4 KiB append + fdatasync on that directory: %.0f us\n", fsync_us);
    std::printf("  %" PRIu64 " single-line checkouts (qty 1) over %d products, window %td\n",
                o.count, o.products, o.window);
    std::fflush(stdout);

    EngineResult best;
    for (int producers : o.producers) {
        const std::string path = dir + "/engine-p" + std::to_string(producers) + ".db";
        EngineResult r = run_engine(o, producers, path);
        if (r.per_second > best.per_second) best = r;
        std::fflush(stdout);
    }

    if (o.skip_bare) {
        remove_data();
        return 0;
    }
    const auto avg = static_cast<std::size_t>(std::max(1.0, best.avg_batch + 0.5));
    const double bare_avg = run_bare(o, avg, dir + "/bare-avg.db");
    std::fflush(stdout);

    std::printf("\nsummary (best engine run: %d producers)\n", best.producers);
    std::printf("  engine:            %10.0f movements/s (avg batch %.1f)\n", best.per_second,
                best.avg_batch);
    std::printf("  bare, batch %4zu:  %10.0f movements/s  -> engine/bare %.2f\n", avg, bare_avg,
                best.per_second / bare_avg);
    std::printf("  goal >= 500000/s: %s\n", best.per_second >= 500000 ? "yes" : "no");
    std::printf("  goal >= 0.5 x bare (same batch): %s\n",
                best.per_second >= 0.5 * bare_avg ? "yes" : "no");

    // One machine-readable line for scripts/bench.sh.
    std::printf(
        "BENCH engine_mps=%.0f producers=%d avg_batch=%.1f bare_batch=%zu bare_mps=%.0f "
        "fs=%s fsync_us=%.0f\n",
        best.per_second, best.producers, best.avg_batch, avg, bare_avg, fs_short(dir).c_str(),
        fsync_us);
    remove_data();
    return 0;
}
