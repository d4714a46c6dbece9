#include "main/cli_support.h"

namespace restock {
namespace {

// A string member of an object, or nullptr.
const std::string* text_member(const json::Value& object, std::string_view name) {
    if (object.kind() != json::Value::Kind::kObject) return nullptr;
    const json::Value* value = object.find(name);
    if (value == nullptr || value->kind() != json::Value::Kind::kString) return nullptr;
    return &value->as_string();
}

}  // namespace

bool asks_for_help(const std::vector<std::string>& args,
                   const std::function<bool(std::string_view option)>& takes_value) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--help" || arg == "-h") return true;
        if (arg.rfind("--", 0) == 0 && arg.find('=') == std::string::npos && takes_value(arg)) {
            ++i;  // its value, whatever it says
        }
    }
    return false;
}

std::string table_cell(std::string_view text) {
    std::string cell(text);
    for (char& c : cell) {
        if (c == '\t' || c == '\n' || c == '\r') c = ' ';
    }
    return cell;
}

MessageSubject message_subject(const json::Value& body) {
    const json::Value* event = &body;
    if (body.kind() == json::Value::Kind::kObject) {
        // A notification: {"subscription_id":...,"event":{...}} (app/event_json.h).
        if (const json::Value* wrapped = body.find("event");
            wrapped != nullptr && wrapped->kind() == json::Value::Kind::kObject) {
            event = wrapped;
        }
    }
    MessageSubject subject;
    if (const std::string* sku = text_member(*event, "sku")) subject.sku = table_cell(*sku);
    if (const std::string* type = text_member(*event, "type")) subject.type = table_cell(*type);
    return subject;
}

}  // namespace restock
