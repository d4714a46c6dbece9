// docs/openapi.json against the router, both ways: every route the router serves is documented
// (but the ones deliberately left out), every documented operation routes to the route of its
// (method, path template), and the document's roles and query parameters are the handlers'.
// The document's path is compiled in (RESTOCK_OPENAPI_JSON); it is read with the project's JSON
// parser.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "adapters/http/handlers.h"
#include "adapters/http/router.h"
#include "json/json.h"

namespace restock::http {
namespace {

using json::Value;
using MethodPath = std::pair<std::string, std::string>;

// Routes that exist and are deliberately not in the document, with the reason.
const std::map<MethodPath, std::string> kUndocumented = {
    {{"POST", "/internal/v1/commands"},
     "between the nodes of one PostgreSQL store, authenticated by the cluster token; no route for "
     "clients (docs/api.md, Operations)"},
};

// Operations the document describes ahead of the router, while they are being built on another
// branch: marked `x-restock-landing` in the document, they must not route yet. None now; when a
// feature lands, its operations leave this list and its marks leave docs/openapi.json.
const std::set<MethodPath> kLanding = {};

constexpr const char* kMethods[] = {"get",     "put",  "post",  "delete",
                                    "options", "head", "patch", "trace"};

std::string upper(std::string text) {
    for (auto& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return text;
}

const Value& document() {
    static const Value* parsed = [] {
        std::ifstream in(RESTOCK_OPENAPI_JSON, std::ios::binary);
        std::stringstream bytes;
        bytes << in.rdbuf();
        auto value = json::parse(bytes.str());
        if (!in || !value || value->kind() != Value::Kind::kObject) {
            ADD_FAILURE() << RESTOCK_OPENAPI_JSON << " is missing or not a JSON object: "
                          << (value ? "" : value.error().message);
            return new Value(Value::object({}));
        }
        return new Value(std::move(value.value()));
    }();
    return *parsed;
}

const Value* member(const Value& object, std::string_view key) {
    return object.kind() == Value::Kind::kObject ? object.find(key) : nullptr;
}

// Follows a local "$ref" ("#/components/parameters/Limit"); other values come back as they are.
const Value& resolve(const Value& value) {
    const Value* target = member(value, "$ref");
    if (target == nullptr || target->kind() != Value::Kind::kString) return value;
    const std::string& pointer = target->as_string();
    const Value* at = &document();
    std::size_t start = 2;  // after "#/"
    while (at != nullptr && start <= pointer.size()) {
        std::size_t end = pointer.find('/', start);
        if (end == std::string::npos) end = pointer.size();
        at = member(*at, pointer.substr(start, end - start));
        start = end + 1;
    }
    if (at == nullptr) {
        ADD_FAILURE() << "unresolved $ref " << pointer;
        return value;
    }
    return *at;
}

bool is_landing(const Value& value) { return member(value, "x-restock-landing") != nullptr; }

struct Operation {
    std::string method;  // "GET"
    std::string path;    // "/v1/products/{sku}"
    const Value* body;
};

std::vector<Operation> documented_operations() {
    std::vector<Operation> out;
    const Value* paths = member(document(), "paths");
    if (paths == nullptr || paths->kind() != Value::Kind::kObject) {
        ADD_FAILURE() << "the document has no paths";
        return out;
    }
    for (const auto& [path, item] : paths->as_object()) {
        for (const char* method : kMethods) {
            if (const Value* operation = member(item, method)) {
                out.push_back(Operation{upper(method), path, operation});
            }
        }
    }
    return out;
}

const RouteSpec* route_spec(const std::string& method, const std::string& path) {
    for (const RouteSpec& spec : routes()) {
        if (spec.method == method && spec.pattern == path) return &spec;
    }
    return nullptr;
}

// The template with each "{name}" replaced by a value, and those values in order.
std::pair<std::string, std::vector<std::string>> sample_path(const std::string& path) {
    std::string out;
    std::vector<std::string> values;
    for (std::size_t i = 0; i < path.size(); ++i) {
        if (path[i] != '{') {
            out.push_back(path[i]);
            continue;
        }
        const std::size_t close = path.find('}', i);
        values.push_back("sample-" + path.substr(i + 1, close - i - 1));
        out += values.back();
        i = close;
    }
    return {out, values};
}

// The operation's parameters of one location (`in`), with the path item's, by name.
std::map<std::string, const Value*> parameters(const Operation& operation, std::string_view in) {
    std::map<std::string, const Value*> out;
    const Value* item = member(*member(document(), "paths"), operation.path);
    for (const Value* owner : {item, operation.body}) {
        const Value* list = member(*owner, "parameters");
        if (list == nullptr) continue;
        for (const Value& raw : list->as_array()) {
            const Value& parameter = resolve(raw);
            const Value* where = member(parameter, "in");
            const Value* name = member(parameter, "name");
            if (where != nullptr && name != nullptr && where->as_string() == in) {
                out[name->as_string()] = &parameter;
            }
        }
    }
    return out;
}

TEST(RouterOpenapiTest, TheDocumentIsOpenApi31) {
    const Value* version = member(document(), "openapi");
    ASSERT_NE(version, nullptr);
    EXPECT_EQ(version->as_string(), "3.1.0");
}

TEST(RouterOpenapiTest, EveryRouteIsDocumentedButTheInternalOnes) {
    std::set<MethodPath> documented;
    for (const auto& operation : documented_operations()) {
        documented.insert({operation.method, operation.path});
    }
    for (const RouteSpec& spec : routes()) {
        const MethodPath key{std::string(spec.method), std::string(spec.pattern)};
        if (kUndocumented.count(key) != 0) {
            EXPECT_EQ(documented.count(key), 0u)
                << key.first << " " << key.second << " is documented, but listed as left out ("
                << kUndocumented.at(key) << ")";
        } else {
            EXPECT_EQ(documented.count(key), 1u)
                << key.first << " " << key.second << " is routed but not in docs/openapi.json";
        }
    }
    for (const auto& [key, reason] : kUndocumented) {
        EXPECT_NE(route_spec(key.first, key.second), nullptr)
            << key.first << " " << key.second << " is listed as left out, but is no route";
    }
}

TEST(RouterOpenapiTest, EveryDocumentedOperationRoutesToItsRoute) {
    const auto operations = documented_operations();
    EXPECT_GE(operations.size(), routes().size() - kUndocumented.size());
    for (const auto& operation : operations) {
        const auto [path, values] = sample_path(operation.path);
        const std::string where = operation.method + " " + operation.path;
        const Routing routing = route(operation.method, path);
        const auto* match = std::get_if<RouteMatch>(&routing);
        const RouteSpec* spec = route_spec(operation.method, operation.path);
        if (kLanding.count({operation.method, operation.path}) != 0) {
            EXPECT_TRUE(is_landing(*operation.body)) << where << " lacks x-restock-landing";
            EXPECT_EQ(spec, nullptr) << where << " is routed now: remove it from kLanding and "
                                     << "its feature's x-restock-landing marks";
            EXPECT_EQ(match, nullptr) << where << " is served by another route";
            continue;
        }
        EXPECT_FALSE(is_landing(*operation.body))
            << where << " is marked x-restock-landing but not listed in kLanding";
        ASSERT_NE(spec, nullptr) << where << " is documented but the router has no such route";
        ASSERT_NE(match, nullptr) << where << ": route(" << path << ") found no route";
        EXPECT_EQ(match->id, spec->id) << where << ": " << path << " reached another route";
        EXPECT_EQ(match->param, values.size() > 0 ? values[0] : "") << where;
        EXPECT_EQ(match->second, values.size() > 1 ? values[1] : "") << where;
    }
}

TEST(RouterOpenapiTest, PathParametersAreTheTemplates) {
    for (const auto& operation : documented_operations()) {
        std::set<std::string> in_template;
        for (std::size_t open = operation.path.find('{'); open != std::string::npos;
             open = operation.path.find('{', open + 1)) {
            in_template.insert(
                operation.path.substr(open + 1, operation.path.find('}', open) - open - 1));
        }
        std::set<std::string> declared;
        for (const auto& [name, parameter] : parameters(operation, "path")) {
            declared.insert(name);
            const Value* required = member(*parameter, "required");
            EXPECT_TRUE(required != nullptr && required->kind() == Value::Kind::kBool &&
                        required->as_bool())
                << operation.method << " " << operation.path << ": {" << name
                << "} must be required";
        }
        EXPECT_EQ(declared, in_template) << operation.method << " " << operation.path;
    }
}

TEST(RouterOpenapiTest, RolesAreTheHandlersRoles) {
    for (const auto& operation : documented_operations()) {
        const RouteSpec* spec = route_spec(operation.method, operation.path);
        if (spec == nullptr) continue;  // a landing operation: no handler to compare with yet
        const std::string where = operation.method + " " + operation.path;
        const RouteAccess access = route_access(spec->id);
        std::set<std::string> want;
        if (!access.public_route) {
            want = {"admin", std::string(to_string(access.role))};
        }
        std::set<std::string> documented;
        const Value* roles = member(*operation.body, "x-restock-roles");
        ASSERT_NE(roles, nullptr) << where << " has no x-restock-roles";
        for (const Value& role : roles->as_array()) documented.insert(role.as_string());
        EXPECT_EQ(documented, want) << where;

        const Value* security = member(*operation.body, "security");
        ASSERT_NE(security, nullptr) << where << " has no security";
        EXPECT_EQ(security->as_array().empty(), access.public_route) << where;
    }
}

TEST(RouterOpenapiTest, QueryParametersAreTheOnesTheHandlersAccept) {
    for (const auto& operation : documented_operations()) {
        const RouteSpec* spec = route_spec(operation.method, operation.path);
        if (spec == nullptr) continue;
        const std::string where = operation.method + " " + operation.path;
        std::set<std::string> accepted;
        for (auto name : route_query_names(spec->id)) accepted.emplace(name);
        std::set<std::string> documented;
        for (const auto& [name, parameter] : parameters(operation, "query")) {
            if (is_landing(*parameter)) {
                EXPECT_EQ(accepted.count(name), 0u)
                    << where << ": ?" << name << " is accepted now: remove its x-restock-landing";
                continue;
            }
            documented.insert(name);
        }
        EXPECT_EQ(documented, accepted) << where;
    }
}

}  // namespace
}  // namespace restock::http
