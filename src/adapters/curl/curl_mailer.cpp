#include "adapters/curl/curl_mailer.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>

#include "adapters/curl/easy_handle_pool.h"
#include "adapters/curl/mail_format.h"
#include "adapters/curl/url_redaction.h"
#include "support/crypto.h"

namespace restock::curl {
namespace {

struct EasyDeleter {
    void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct SlistDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

struct Upload {
    std::string_view remaining;
};

size_t read_upload(char* buffer, size_t size, size_t count, void* user) {
    auto* upload = static_cast<Upload*>(user);
    const size_t n = std::min(size * count, upload->remaining.size());
    std::memcpy(buffer, upload->remaining.data(), n);
    upload->remaining.remove_prefix(n);
    return n;
}

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string new_message_id(std::string_view from_address, int64_t now) {
    const auto at = from_address.rfind('@');
    const std::string_view domain = at == std::string_view::npos
                                        ? std::string_view("restock.invalid")
                                        : from_address.substr(at + 1);
    return "<" + std::to_string(now) + "." + random_token(12) + "@" + std::string(domain) + ">";
}

}  // namespace

CurlMailer::CurlMailer(std::string smtp_url, int64_t timeout_ms)
    : smtp_url_(std::move(smtp_url)), timeout_ms_(std::max<int64_t>(1, timeout_ms)) {
    ensure_global_init();
}

Status CurlMailer::send(const MailMessage& message) {
    auto from = mailbox_address(message.from);
    if (!from) return from.error();
    auto recipients = recipient_addresses(message.to);
    if (!recipients) return recipients.error();
    const int64_t now = now_ms();
    auto text = format_mail(message, now, new_message_id(from.value(), now));
    if (!text) return text.error();

    const std::string where = "smtp " + redact_url(smtp_url_);
    std::unique_ptr<CURL, EasyDeleter> handle(curl_easy_init());
    if (!handle) return make_error(ErrorCode::kUnavailable, "smtp-failed", where + ": no memory");
    std::unique_ptr<curl_slist, SlistDeleter> rcpt;
    for (const auto& address : recipients.value()) {
        curl_slist* next = curl_slist_append(rcpt.get(), ("<" + address + ">").c_str());
        if (next == nullptr) {
            return make_error(ErrorCode::kUnavailable, "smtp-failed", where + ": no memory");
        }
        (void)rcpt.release();
        rcpt.reset(next);
    }
    Upload upload{text.value()};
    char error_buffer[CURL_ERROR_SIZE] = {};
    const std::string mail_from = "<" + from.value() + ">";
    CURL* h = handle.get();
    curl_easy_setopt(h, CURLOPT_URL, smtp_url_.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms_));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_ms_));
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, mail_from.c_str());
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt.get());
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(text->size()));
    curl_easy_setopt(h, CURLOPT_READFUNCTION, &read_upload);
    curl_easy_setopt(h, CURLOPT_READDATA, &upload);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);

    const CURLcode code = curl_easy_perform(h);
    if (code != CURLE_OK) {
        std::string detail = curl_easy_strerror(code);
        if (error_buffer[0] != '\0') detail += std::string(" (") + error_buffer + ")";
        return make_error(ErrorCode::kUnavailable, "smtp-failed", where + ": " + detail);
    }
    return ok_status();
}

}  // namespace restock::curl
