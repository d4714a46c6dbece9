#include "main/simulate_input.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "core/limits.h"
#include "core/requests.h"

namespace restock::sim {
namespace {

constexpr double kMinFillRate = 0.5;
constexpr double kMaxFillRate = 0.999;
constexpr int64_t kMaxDay = 10'000'000;
// The options that take a value (--json is the one that does not).
constexpr std::string_view kValued[] = {"--demand",       "--products", "--lead-time-days",
                                        "--lead-time-sd", "--days",     "--warmup-days",
                                        "--seed"};

Error bad(std::string_view file, int line, const std::string& what) {
    return make_error(ErrorCode::kInvalidArgument, "bad-file",
                      std::string(file) + ":" + std::to_string(line) + ": " + what);
}

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Splits text into lines (LF or CRLF); calls `each(line_number, line, header)` until it returns
// an error, `header` true for the first line that is not blank. Blank lines are skipped; a
// UTF-8 byte order mark (a spreadsheet's "CSV UTF-8") is not part of the first line. A file
// with nothing but blank lines gets one call, with an empty header.
template <typename Each>
Status for_each_line(std::string_view text, Each each) {
    if (text.substr(0, kUtf8Bom.size()) == kUtf8Bom) text.remove_prefix(kUtf8Bom.size());
    int number = 0;
    bool header = true;
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t end = text.find('\n', at);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(at, end - at);
        at = end + 1;
        ++number;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
        if (auto s = each(number, line, header); !s) return s;
        header = false;
    }
    if (header) return each(std::max(number, 1), std::string_view(), true);
    return ok_status();
}

std::vector<std::string_view> split(std::string_view line) {
    std::vector<std::string_view> fields;
    std::size_t at = 0;
    while (true) {
        const std::size_t comma = line.find(',', at);
        std::string_view field =
            line.substr(at, comma == std::string_view::npos ? line.npos : comma - at);
        while (!field.empty() && (field.front() == ' ' || field.front() == '\t'))
            field.remove_prefix(1);
        while (!field.empty() && (field.back() == ' ' || field.back() == '\t'))
            field.remove_suffix(1);
        fields.push_back(field);
        if (comma == std::string_view::npos) return fields;
        at = comma + 1;
    }
}

std::optional<int64_t> parse_int(std::string_view text) {
    int64_t value = 0;
    const char* last = text.data() + text.size();
    const auto [end, error] = std::from_chars(text.data(), last, value);
    if (error != std::errc() || end != last || text.empty()) return std::nullopt;
    return value;
}

std::optional<double> parse_number(std::string_view text) {
    double value = 0;
    const char* last = text.data() + text.size();
    const auto [end, error] = std::from_chars(text.data(), last, value);
    if (error != std::errc() || end != last || text.empty() || !std::isfinite(value))
        return std::nullopt;
    return value;
}

std::string quoted(std::string_view text) {
    constexpr std::size_t kShown = 40;
    std::string shown(text.substr(0, kShown));
    if (text.size() > kShown) shown += "...";
    return "'" + shown + "'";
}

// An integer field between `low` and `high`.
Result<int64_t> integer(std::string_view file, int line, std::string_view name,
                        std::string_view text, int64_t low, int64_t high) {
    const auto value = parse_int(text);
    if (!value || *value < low || *value > high) {
        return bad(file, line,
                   std::string(name) + " must be a whole number from " + std::to_string(low) +
                       " to " + std::to_string(high) + ", not " + quoted(text));
    }
    return *value;
}

enum class Column {
    kSku,
    kMode,
    kReorderPoint,
    kReorderQty,
    kFillRate,
    kOrderUpTo,
    kMinOrderQty,
    kPackSize,
    kInitialOnHand
};
struct ColumnName {
    std::string_view name;
    Column column;
    bool required;
};
constexpr ColumnName kColumns[] = {
    {"sku", Column::kSku, true},
    {"mode", Column::kMode, true},
    {"reorder_point", Column::kReorderPoint, true},
    {"reorder_qty", Column::kReorderQty, true},
    {"fill_rate", Column::kFillRate, true},
    {"order_up_to", Column::kOrderUpTo, false},
    {"min_order_qty", Column::kMinOrderQty, false},
    {"pack_size", Column::kPackSize, false},
    {"initial_on_hand", Column::kInitialOnHand, false},
};

Status product_field(std::string_view file, int line, Column column, std::string_view text,
                     SimProduct& product, std::optional<int64_t>& initial) {
    constexpr int64_t kMax = limits::kMaxQuantity;
    switch (column) {
        case Column::kSku:
            if (!is_valid_sku(text)) {
                return bad(file, line, "sku " + quoted(text) + " is not a valid SKU");
            }
            product.sku = std::string(text);
            return ok_status();
        case Column::kMode:
            if (text == "fixed") {
                product.auto_mode = false;
            } else if (text == "auto") {
                product.auto_mode = true;
            } else {
                return bad(file, line, "mode must be fixed or auto, not " + quoted(text));
            }
            return ok_status();
        case Column::kReorderPoint: {
            auto value = integer(file, line, "reorder_point", text, 0, kMax);
            if (!value) return value.error();
            product.reorder_point = *value;
            return ok_status();
        }
        case Column::kReorderQty: {
            auto value = integer(file, line, "reorder_qty", text, 1, kMax);
            if (!value) return value.error();
            product.reorder_qty = *value;
            return ok_status();
        }
        case Column::kFillRate: {
            if (text.empty()) return ok_status();
            const auto value = parse_number(text);
            if (!value || *value < kMinFillRate || *value > kMaxFillRate) {
                return bad(file, line,
                           "fill_rate must be a number from 0.5 to 0.999, not " + quoted(text));
            }
            product.fill_rate = std::round(*value * 1e6) / 1e6;  // six decimals, as the API keeps
            return ok_status();
        }
        case Column::kOrderUpTo: {
            if (text.empty()) return ok_status();
            auto value = integer(file, line, "order_up_to", text, 1, kMax);
            if (!value) return value.error();
            product.order_up_to = *value;
            return ok_status();
        }
        case Column::kMinOrderQty: {
            if (text.empty()) return ok_status();
            auto value = integer(file, line, "min_order_qty", text, 1, kMax);
            if (!value) return value.error();
            product.min_order_qty = *value;
            return ok_status();
        }
        case Column::kPackSize: {
            if (text.empty()) return ok_status();
            auto value = integer(file, line, "pack_size", text, 1, kMax);
            if (!value) return value.error();
            product.pack_size = *value;
            return ok_status();
        }
        case Column::kInitialOnHand: {
            if (text.empty()) return ok_status();
            auto value = integer(file, line, "initial_on_hand", text, 0, kMax);
            if (!value) return value.error();
            initial = *value;
            return ok_status();
        }
    }
    return ok_status();
}

Error usage(const std::string& message) {
    return make_error(ErrorCode::kInvalidArgument, "usage", message);
}

}  // namespace

Result<SimulateOptions> parse_simulate_args(const std::vector<std::string>& args) {
    SimulateOptions options;
    bool have_days = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string name = args[i];
        std::optional<std::string> value;
        if (const auto eq = name.find('='); eq != std::string::npos && name.rfind("--", 0) == 0) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        if (name == "--json") {
            if (value) return usage("--json takes no value");
            options.json = true;
            continue;
        }
        if (name.rfind("--", 0) != 0) return usage("unexpected argument '" + name + "'");
        if (std::find(std::begin(kValued), std::end(kValued), name) == std::end(kValued))
            return usage("unknown option '" + name + "'");
        if (!value) {
            // The next word is the value, unless it is an option itself (a value forgotten).
            const auto is_option = [](std::string_view word) {
                const std::string_view name = word.substr(0, word.find('='));
                return name == "--json" || name == "--help" ||
                       std::find(std::begin(kValued), std::end(kValued), name) != std::end(kValued);
            };
            if (i + 1 >= args.size() || is_option(args[i + 1]))
                return usage(name + " needs a value");
            value = args[++i];
        }
        const std::string& text = *value;
        auto whole = [&](int64_t low, int64_t high) -> Result<int64_t> {
            const auto parsed = parse_int(text);
            if (!parsed || *parsed < low || *parsed > high) {
                return usage(name + " must be a whole number from " + std::to_string(low) + " to " +
                             std::to_string(high) + ", not '" + text + "'");
            }
            return *parsed;
        };
        auto real = [&]() -> Result<double> {
            const auto parsed = parse_number(text);
            if (!parsed) return usage(name + " must be a number, not '" + text + "'");
            return *parsed;
        };
        if (name == "--demand") {
            options.demand_file = text;
        } else if (name == "--products") {
            options.products_file = text;
        } else if (name == "--lead-time-days") {
            auto v = real();
            if (!v) return v.error();
            options.lead_time_days = *v;
        } else if (name == "--lead-time-sd") {
            auto v = real();
            if (!v) return v.error();
            options.lead_time_sd = *v;
        } else if (name == "--days") {
            auto v = whole(1, kMaxDay);
            if (!v) return v.error();
            options.days = *v;
            have_days = true;
        } else if (name == "--warmup-days") {
            auto v = whole(0, kMaxDay);
            if (!v) return v.error();
            options.warmup_days = *v;
        } else if (name == "--seed") {
            auto v = whole(0, std::numeric_limits<int64_t>::max());
            if (!v) return v.error();
            options.seed = static_cast<uint64_t>(*v);
        } else {
            return usage("unknown option '" + name + "'");
        }
    }
    if (options.demand_file.empty()) return usage("--demand FILE is required");
    if (options.products_file.empty()) return usage("--products FILE is required");
    if (have_days && options.warmup_days >= *options.days)
        return usage("--warmup-days must be below --days: no day would be counted");
    return options;
}

Result<std::vector<SimProduct>> parse_products(std::string_view text, std::string_view file) {
    std::vector<SimProduct> products;
    std::vector<Column> columns;
    std::unordered_map<std::string, int> lines_by_sku;
    Status parsed = for_each_line(text, [&](int line, std::string_view row, bool header) -> Status {
        const auto fields = split(row);
        if (header) {
            if (row.find_first_not_of(" \t") == std::string_view::npos) {
                return bad(file, line,
                           "no header: the first line must name "
                           "sku,mode,reorder_point,reorder_qty,fill_rate");
            }
            for (const auto field : fields) {
                const auto* known =
                    std::find_if(std::begin(kColumns), std::end(kColumns),
                                 [&](const ColumnName& c) { return c.name == field; });
                if (known == std::end(kColumns)) {
                    return bad(file, line,
                               "unknown column " + quoted(field) +
                                   "; the header is sku,mode,reorder_point,reorder_qty,fill_rate "
                                   "and optionally order_up_to,min_order_qty,pack_size,"
                                   "initial_on_hand");
                }
                if (std::find(columns.begin(), columns.end(), known->column) != columns.end())
                    return bad(file, line, "column " + quoted(field) + " appears twice");
                columns.push_back(known->column);
            }
            for (const auto& c : kColumns) {
                if (c.required &&
                    std::find(columns.begin(), columns.end(), c.column) == columns.end()) {
                    return bad(file, line,
                               "the header lacks column '" + std::string(c.name) +
                                   "' (it must name sku,mode,reorder_point,reorder_qty,fill_rate)");
                }
            }
            return ok_status();
        }
        if (fields.size() != columns.size()) {
            return bad(file, line,
                       std::to_string(fields.size()) + " fields; the header has " +
                           std::to_string(columns.size()));
        }
        SimProduct product;
        product.line = line;
        std::optional<int64_t> initial;
        for (std::size_t i = 0; i < fields.size(); ++i) {
            if (auto s = product_field(file, line, columns[i], fields[i], product, initial); !s)
                return s;
        }
        if (product.auto_mode && !product.fill_rate)
            return bad(file, line, "mode auto needs a fill_rate (0.5 to 0.999)");
        if (!product.auto_mode && product.fill_rate) {
            return bad(file, line,
                       "fill_rate is given only with mode auto (leave it empty for fixed)");
        }
        if (product.order_up_to && *product.order_up_to <= product.reorder_point) {
            return bad(file, line, "order_up_to must be above reorder_point");
        }
        product.initial_on_hand = initial.value_or(product.reorder_point + product.reorder_qty);
        if (product.initial_on_hand > limits::kMaxQuantity)
            return bad(file, line, "reorder_point + reorder_qty is too large for initial stock");
        auto [it, inserted] = lines_by_sku.emplace(product.sku, line);
        if (!inserted) {
            return bad(file, line,
                       "sku " + quoted(product.sku) + " again (first on line " +
                           std::to_string(it->second) + ")");
        }
        products.push_back(std::move(product));
        return ok_status();
    });
    if (!parsed) return parsed.error();
    if (products.empty()) return bad(file, 2, "no products: the file has a header only");
    return products;
}

Result<SimInput> parse_demand(std::string_view text, std::string_view file,
                              std::vector<SimProduct> products) {
    SimInput input;
    std::unordered_map<std::string_view, int32_t> index;
    index.reserve(products.size() * 2);
    for (std::size_t i = 0; i < products.size(); ++i)
        index.emplace(products[i].sku, static_cast<int32_t>(i));
    bool sorted = true;
    Status parsed = for_each_line(text, [&](int line, std::string_view row, bool header) -> Status {
        const auto fields = split(row);
        if (header) {
            if (fields.size() != 3 || fields[0] != "day" || fields[1] != "sku" ||
                fields[2] != "qty") {
                return bad(file, line, "the header must be day,sku,qty, not " + quoted(row));
            }
            return ok_status();
        }
        if (fields.size() != 3)
            return bad(file, line, std::to_string(fields.size()) + " fields; expected day,sku,qty");
        auto day = integer(file, line, "day", fields[0], 0, kMaxDay);
        if (!day) return day.error();
        const auto product = index.find(fields[1]);
        if (product == index.end()) {
            return bad(file, line, "sku " + quoted(fields[1]) + " is not in the products file");
        }
        // One checkout line, as POST /v1/checkout takes it.
        auto qty = integer(file, line, "qty", fields[2], 1, limits::kMaxCheckoutQty);
        if (!qty) return qty.error();
        const auto d = static_cast<int32_t>(*day);
        if (d < input.last_day) sorted = false;
        input.last_day = std::max(input.last_day, d);
        input.demand.push_back(DemandRow{d, product->second, *qty});
        return ok_status();
    });
    if (!parsed) return parsed.error();
    if (!sorted) {
        std::stable_sort(input.demand.begin(), input.demand.end(),
                         [](const DemandRow& a, const DemandRow& b) { return a.day < b.day; });
    }
    input.products = std::move(products);
    return input;
}

}  // namespace restock::sim
