// The composition root of `restock simulate`: a throwaway SQLite store in a temporary
// directory (opened as serve opens one, wrapped to see each batch's stock figures), the stock
// engine stepped on this thread, the real order-dispatch and stock-increase handlers, the
// HTTP API's handlers for the factory's callbacks, and a simulated clock and factory.
#include "main/simulate_cli.h"

#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "adapters/http/handlers.h"
#include "app/authenticator.h"
#include "app/functions/order_dispatch.h"
#include "app/functions/stock_increase.h"
#include "app/reader_pool.h"
#include "app/write_path.h"
#include "main/admin_cli.h"
#include "main/cli_support.h"
#include "main/simulation.h"
#include "main/store_factory.h"
#include "main/write_behind_store.h"

namespace restock {
namespace {

constexpr const char* kSimulateUsage =
    R"(usage: restock simulate --demand FILE --products FILE [options]
Replays a demand trace through the real stock engine, restock loop and factory callbacks, with
a simulated clock and factory (docs/simulate.md). Deterministic for a seed.
  --demand FILE          CSV, header day,sku,qty: one checkout of qty units per row (days from 0)
  --products FILE        CSV, header sku,mode,reorder_point,reorder_qty,fill_rate and optional
                         order_up_to,min_order_qty,pack_size,initial_on_hand (mode fixed|auto)
  --lead-time-days L     mean lead time of an order, in days (7)
  --lead-time-sd S       its standard deviation (0: every order takes exactly L days)
  --days N               days replayed (the last demand day + 1)
  --warmup-days W        days not counted at the start (0)
  --seed N               seeds the lead times (1)
  --json                 JSON instead of a table
)";

constexpr const char* kFactoryId = "simulated-factory";
constexpr const char* kPublicUrl = "http://restock.simulated";
constexpr int64_t kMaxFactoryLeadTimeDays = 365;

bool takes_value(std::string_view option) { return option != "--json"; }

Result<std::string> read_file(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        return make_error(ErrorCode::kInvalidArgument, "no-file",
                          "cannot read " + path + ": it is a directory");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return make_error(ErrorCode::kNotFound, "no-file",
                          "cannot read " + path + ": " + std::strerror(errno));
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        return make_error(ErrorCode::kUnavailable, "no-file",
                          "cannot read " + path + ": " + std::strerror(errno));
    }
    return text.str();
}

// SIGINT or SIGTERM: the run stops before its next day, and the temporary store is removed.
volatile std::sig_atomic_t g_signal = 0;
// A second signal is not waited on: it ends the process at once.
extern "C" void on_stop_signal(int signal) {
    g_signal = signal;
    std::signal(signal, SIG_DFL);
}

// Where the throwaway store goes: $TMPDIR if set; else /dev/shm, memory, when it is there (the
// store's writes then cost no file system work: measured ~25% of the CPU time of the 1M-row
// run on ext4); else /tmp.
std::string temp_base() {
    const char* base = std::getenv("TMPDIR");
    if (base != nullptr && *base != '\0') return base;
    std::error_code ec;
    if (std::filesystem::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0)
        return "/dev/shm";
    return "/tmp";
}

// A directory of its own under temp_base(), removed with everything in it.
class TempDir {
  public:
    static Result<TempDir> make() {
        std::string pattern = temp_base() + "/restock-sim-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) {
            return make_error(
                ErrorCode::kUnavailable, "store-error",
                "cannot create a temporary directory: " + std::string(std::strerror(errno)));
        }
        return TempDir(pattern);
    }
    TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
    TempDir& operator=(TempDir&&) = delete;
    ~TempDir() {
        std::error_code ec;
        if (!path_.empty()) std::filesystem::remove_all(path_, ec);
    }
    const std::string& path() const { return path_; }

  private:
    explicit TempDir(std::string path) : path_(std::move(path)) {}
    std::string path_;
};

int fail(const std::string& message) {
    std::cerr << "restock simulate: " << message << "\n";
    return 1;
}

}  // namespace

int run_simulate_cli(const std::vector<std::string>& args) {
    // A reader that went away (a closed pipe) must not end the process before the temporary
    // store is removed: the write fails instead.
    std::signal(SIGPIPE, SIG_IGN);
    std::signal(SIGINT, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
    if (asks_for_help(args, takes_value)) {
        std::cout << kSimulateUsage;
        return 0;
    }
    auto options = sim::parse_simulate_args(args);
    if (!options) return cli_usage_error("simulate", options.error().message);
    auto lead_times =
        sim::LeadTimeSampler::create(options->lead_time_days, options->lead_time_sd, options->seed);
    if (!lead_times) return cli_usage_error("simulate", lead_times.error().message);

    auto products_text = read_file(options->products_file);
    if (!products_text) return fail(products_text.error().message);
    auto products = sim::parse_products(*products_text, options->products_file);
    if (!products) return fail(products.error().message);
    products_text->clear();
    auto demand_text = read_file(options->demand_file);
    if (!demand_text) return fail(demand_text.error().message);
    auto input = sim::parse_demand(*demand_text, options->demand_file, std::move(*products));
    if (!input) return fail(input.error().message);
    demand_text->clear();
    demand_text->shrink_to_fit();

    sim::SimSettings settings;
    settings.days = options->days.value_or(int64_t{input->last_day} + 1);
    if (settings.days <= 0) return fail(options->demand_file + " has no demand rows: give --days");
    settings.warmup_days = options->warmup_days;
    if (settings.warmup_days >= settings.days) {
        return cli_usage_error("simulate", "--warmup-days must be below the days replayed (" +
                                               std::to_string(settings.days) + ")");
    }
    settings.factory_lead_time_days =
        std::clamp<int64_t>(std::llround(options->lead_time_days), 1, kMaxFactoryLeadTimeDays);
    settings.products_file = options->products_file;

    auto dir = TempDir::make();
    if (!dir) return fail(dir.error().message);
    auto opened =
        open_store(dir->path(), "", StoreUse::kServe, "restock simulate", Missing::kNeedDir);
    if (!opened) return fail("cannot open the simulation's store: " + opened.error().message);
    sim::OnHandBook book(input->products.size(), settings.warmup_days, settings.days);
    sim::ObservedStore observed(opened->store(), book);
    // The day's batch is written while the next day begins (its learning step); every read
    // waits for it (main/write_behind_store.h).
    sim::WriteBehindStore store(observed);
    auto secret = store.callback_secret();
    if (!secret) return fail("cannot read the callback secret: " + secret.error().message);

    sim::SimClock clock;
    EngineOptions engine_options;
    // The store is thrown away at the end: what the auto policy learned is kept in memory only
    // (the learning is the same; only its daily copy to the store, for a restart, is skipped).
    engine_options.replenishment_persist_days = 0;
    auto started = StockEngine::start_stepped(store, clock, engine_options);
    if (!started) return fail("cannot start the stock engine: " + started.error().message);
    std::shared_ptr<StockEngine> engine = std::move(started.value());
    SoleWriter writer(engine);
    ReaderPool readers(store);
    Authenticator authenticator(readers, clock);
    http::ApiOptions api_options;
    api_options.callback_secret = *secret;
    http::Api api(writer, readers, authenticator, std::move(api_options));
    sim::SimFactory factory(clock, std::move(*lead_times));

    int64_t warnings = 0;
    const LogSink log = [&warnings](std::string_view level, const std::string& message) {
        if (level == "info") return;
        ++warnings;
        std::cerr << "restock simulate: " << level << ": " << message << "\n";
    };
    sim::SimParts parts{
        *engine,
        api,
        factory,
        clock,
        book,
        {sim::SimFunction{
             FunctionSpec{"order-dispatch", kRestockOrdersQueue, 1},
             make_order_dispatch(*engine, factory,
                                 OrderDispatchConfig{kPublicUrl, *secret, "restock"}, log)},
         sim::SimFunction{FunctionSpec{"stock-increase", kStockReceiptsQueue, 1},
                          make_stock_increase(*engine)}},
        kFactoryId,
        log,
        [&store] { return store.wait(); },
        [] { return g_signal != 0; },
    };
    if (input->last_day >= settings.days) {
        const auto past =
            std::count_if(input->demand.begin(), input->demand.end(),
                          [&](const sim::DemandRow& r) { return r.day >= settings.days; });
        std::cerr << "restock simulate: note: " << past << " demand row(s) on day " << settings.days
                  << " or later (up to day " << input->last_day
                  << ") are past --days and not replayed\n";
    }
    auto report = sim::run_simulation(*input, settings, parts);
    if (!report) {
        (void)fail(report.error().message);
        return g_signal != 0 ? 128 + g_signal : 1;
    }
    if (g_signal != 0) {
        (void)fail("interrupted after the last day; no report");
        return 128 + g_signal;
    }
    std::cout << (options->json ? sim::report_json(*report) : sim::report_table(*report));
    std::cout.flush();
    return std::cout ? 0 : fail("cannot write the report");
}

}  // namespace restock
