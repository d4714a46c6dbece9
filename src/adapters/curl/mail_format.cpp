#include "adapters/curl/mail_format.h"

#include <ctime>

#include "json/json.h"

namespace restock::curl {
namespace {

constexpr std::size_t kMaxLineOctets = 998;       // RFC 5322 2.1.1
constexpr std::size_t kQuotedPrintableLine = 76;  // RFC 2045 6.7
constexpr std::size_t kEncodedWordBytes = 45;     // 60 base64 chars: words stay under 75
constexpr std::size_t kPlainSubjectMax = 900;

Error invalid(std::string message) {
    return make_error(ErrorCode::kInvalidArgument, "invalid-mail", std::move(message));
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

bool has_control(std::string_view text) {
    for (char c : text) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
    }
    return false;
}

std::string base64(std::string_view bytes) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const uint32_t n =
            (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
        for (int shift : {18, 12, 6, 0}) out.push_back(kAlphabet[(n >> shift) & 63]);
    }
    if (i + 1 == bytes.size()) {
        const uint32_t n = uint8_t(bytes[i]) << 16;
        out.append({kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], '=', '='});
    } else if (i + 2 == bytes.size()) {
        const uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8);
        out.append(
            {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], '='});
    }
    return out;
}

bool is_plain_subject(std::string_view subject) {
    if (subject.size() > kPlainSubjectMax) return false;
    for (char c : subject) {
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) {
            return false;
        }
    }
    // "=?" could be read as the start of an encoded-word.
    return subject.find("=?") == std::string_view::npos;
}

// RFC 2047 B-encoded words, split on UTF-8 character boundaries, folded onto new lines.
std::string encode_subject(std::string_view subject) {
    std::string out;
    while (!subject.empty()) {
        std::size_t take = std::min(subject.size(), kEncodedWordBytes);
        // Never split a multi-byte character: back off continuation bytes (10xxxxxx).
        while (take < subject.size() && take > 0 &&
               (static_cast<unsigned char>(subject[take]) & 0xC0) == 0x80) {
            --take;
        }
        if (!out.empty()) out += "\r\n ";
        out += "=?UTF-8?B?" + base64(subject.substr(0, take)) + "?=";
        subject.remove_prefix(take);
    }
    return out;
}

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\r' && text[i] != '\n') continue;
        lines.push_back(text.substr(start, i - start));
        if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
        start = i + 1;
    }
    lines.push_back(text.substr(start));
    return lines;
}

void append_quoted_printable(std::string& out, std::string_view line) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::size_t width = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const auto c = static_cast<unsigned char>(line[i]);
        const bool last = i + 1 == line.size();
        const bool literal =
            (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last);
        const std::size_t needed = literal ? 1 : 3;
        if (width + needed > kQuotedPrintableLine - 1) {  // room for the soft break's '='
            out += "=\r\n";
            width = 0;
        }
        if (literal) {
            out.push_back(static_cast<char>(c));
        } else {
            out.append({'=', kHex[c >> 4], kHex[c & 15]});
        }
        width += needed;
    }
}

}  // namespace

Result<std::string> mailbox_address(std::string_view mailbox) {
    std::string_view address = trim(mailbox);
    if (has_control(address)) return invalid("mail addresses must not contain control characters");
    const auto open = address.find('<');
    const auto close = address.find('>');
    if (open != std::string_view::npos || close != std::string_view::npos) {
        if (open == std::string_view::npos || close == std::string_view::npos || close < open ||
            close + 1 != address.size()) {
            return invalid("unbalanced angle brackets in a mail address");
        }
        address = address.substr(open + 1, close - open - 1);
    }
    const auto at = address.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == address.size() ||
        address.find_first_of(" \t<>,\"") != std::string_view::npos) {
        return invalid("'" + std::string(address) + "' is not a mail address");
    }
    return std::string(address);
}

Result<std::vector<std::string>> recipient_addresses(std::string_view to) {
    std::vector<std::string> out;
    while (true) {
        const auto comma = to.find(',');
        auto address = mailbox_address(to.substr(0, comma));
        if (!address) return address.error();
        out.push_back(std::move(address.value()));
        if (comma == std::string_view::npos) return out;
        to.remove_prefix(comma + 1);
    }
}

std::string format_mail_date(int64_t ms_since_epoch) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::time_t seconds = static_cast<std::time_t>(ms_since_epoch / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char out[64];
    std::snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                  tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    return out;
}

Result<std::string> format_mail(const MailMessage& message, int64_t now_ms,
                                std::string_view message_id) {
    if (auto from = mailbox_address(message.from); !from) return from.error();
    if (auto to = recipient_addresses(message.to); !to) return to.error();
    if (has_control(message.subject)) return invalid("the subject must be one line");
    if (!json::is_valid_utf8(message.subject) || !json::is_valid_utf8(message.text)) {
        return invalid("subject and text must be UTF-8");
    }
    auto lines = split_lines(message.text);
    if (lines.size() > 1 && lines.back().empty()) lines.pop_back();  // text ended with a newline
    bool long_lines = false;
    for (auto line : lines) long_lines = long_lines || line.size() > kMaxLineOctets;

    std::string out;
    out += "From: " + std::string(trim(message.from)) + "\r\n";
    out += "To: " + std::string(trim(message.to)) + "\r\n";
    out += "Subject: " +
           (is_plain_subject(message.subject) ? message.subject : encode_subject(message.subject)) +
           "\r\n";
    out += "Date: " + format_mail_date(now_ms) + "\r\n";
    out += "Message-ID: " + std::string(message_id) + "\r\n";
    out += "MIME-Version: 1.0\r\n";
    out += "Content-Type: text/plain; charset=utf-8\r\n";
    out += std::string("Content-Transfer-Encoding: ") + (long_lines ? "quoted-printable" : "8bit") +
           "\r\n\r\n";
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (long_lines) {
            append_quoted_printable(out, lines[i]);
        } else {
            out += lines[i];
        }
        if (i + 1 < lines.size()) out += "\r\n";
    }
    out += "\r\n";
    return out;
}

}  // namespace restock::curl
