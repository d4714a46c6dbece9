#include "core/ascii.h"

namespace restock {

bool starts_with_icase(std::string_view text, std::string_view lower_prefix) {
    if (text.size() < lower_prefix.size()) return false;
    for (std::size_t i = 0; i < lower_prefix.size(); ++i) {
        char c = text[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != lower_prefix[i]) return false;
    }
    return true;
}

std::string ascii_lower(std::string text) {
    for (char& c : text) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return text;
}

std::string_view without_trailing_slashes(std::string_view url) {
    const std::size_t scheme = url.find("://");
    const std::size_t keep = scheme == std::string_view::npos ? 1 : scheme + 3;
    while (url.size() > keep && url.back() == '/') url.remove_suffix(1);
    return url;
}

}  // namespace restock
