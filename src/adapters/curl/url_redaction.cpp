#include "adapters/curl/url_redaction.h"

#include <cctype>

namespace restock::curl {
namespace {

constexpr std::string_view kUnparseable = "<unparseable url>";

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view default_port(std::string_view scheme) {
    if (scheme == "http") return "80";
    if (scheme == "https") return "443";
    if (scheme == "smtp") return "25";
    if (scheme == "smtps") return "465";
    return "";
}

bool all_digits(std::string_view text) {
    if (text.empty()) return false;
    for (char c : text) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

}  // namespace

std::string redact_url(std::string_view url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos || scheme_end == 0) return std::string(kUnparseable);
    const std::string scheme = lower(url.substr(0, scheme_end));
    const std::string_view rest = url.substr(scheme_end + 3);
    const auto authority_end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, authority_end);
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        authority = authority.substr(at + 1);  // user info may hold a password
    }
    std::string_view host = authority;
    std::string_view port;
    // IPv6 literals are bracketed: [::1]:8080
    const auto bracket = authority.rfind(']');
    const auto colon = authority.rfind(':');
    if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
        if (!all_digits(port)) return std::string(kUnparseable);
    }
    if (host.empty()) return std::string(kUnparseable);
    if (port.empty()) port = default_port(scheme);

    std::string_view path;
    if (authority_end != std::string_view::npos && rest[authority_end] == '/') {
        path = rest.substr(authority_end);
        path = path.substr(0, path.find_first_of("?#"));
    }
    std::string out(host);
    if (!port.empty()) out.append(":").append(port);
    out.append(path.empty() ? "/" : path);
    return out;
}

std::string_view url_query(std::string_view url) {
    const auto question = url.find('?');
    if (question == std::string_view::npos) return {};
    std::string_view query = url.substr(question + 1);
    return query.substr(0, query.find('#'));
}

std::string scrub(std::string text, std::string_view secret) {
    if (secret.empty()) return text;
    constexpr std::string_view kRedacted = "<redacted>";
    for (auto at = text.find(secret); at != std::string::npos;
         at = text.find(secret, at + kRedacted.size())) {
        text.replace(at, secret.size(), kRedacted);
    }
    return text;
}

}  // namespace restock::curl
