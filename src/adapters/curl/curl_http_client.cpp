#include "adapters/curl/curl_http_client.h"

#include <algorithm>
#include <cctype>
#include <memory>

#include "adapters/curl/easy_handle_pool.h"
#include "adapters/curl/url_redaction.h"

namespace restock::curl {
namespace {

struct SlistDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

struct ResponseSink {
    std::string body;
    std::size_t cap = 0;
    bool overflow = false;
};

size_t write_body(char* data, size_t size, size_t count, void* user) {
    auto* sink = static_cast<ResponseSink*>(user);
    const size_t bytes = size * count;
    if (sink->body.size() + bytes > sink->cap) {
        sink->overflow = true;
        return 0;  // makes libcurl abort with CURLE_WRITE_ERROR
    }
    sink->body.append(data, bytes);
    return bytes;
}

bool has_line_breaks(std::string_view text) {
    return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

bool iequals(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) ==
               std::tolower(static_cast<unsigned char>(y));
    });
}

// Builds the header list. libcurl's own defaults we do not want are disabled with "Name:".
Result<Slist> header_list(const HttpCall& call) {
    Slist list;
    bool has_content_type = false;
    auto append = [&list](const std::string& line) {
        curl_slist* next = curl_slist_append(list.get(), line.c_str());
        if (next == nullptr) return false;
        (void)list.release();
        list.reset(next);
        return true;
    };
    for (const auto& [name, value] : call.headers) {
        if (name.empty() || has_line_breaks(name) || has_line_breaks(value) ||
            name.find(':') != std::string::npos) {
            return make_error(ErrorCode::kInvalidArgument, "invalid-header",
                              "header names and values must not contain CR, LF or NUL");
        }
        has_content_type = has_content_type || iequals(name, "Content-Type");
        // "Name;" is libcurl's spelling of a header with an empty value.
        if (!append(value.empty() ? name + ";" : name + ": " + value)) {
            return make_error(ErrorCode::kUnavailable, "http-failed", "out of memory");
        }
    }
    // No "Expect: 100-continue" round trip; no form-encoded Content-Type nobody asked for.
    bool added = append("Expect:");
    if (!has_content_type) added = added && append("Content-Type:");
    if (!added) return make_error(ErrorCode::kUnavailable, "http-failed", "out of memory");
    return list;
}

void set_method(CURL* handle, const HttpCall& call) {
    const bool has_body = !call.body.empty() || call.method == "POST" || call.method == "PUT" ||
                          call.method == "PATCH";
    if (call.method == "HEAD") {
        curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
    } else if (has_body) {
        curl_easy_setopt(handle, CURLOPT_POSTFIELDS, call.body.data());
        curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(call.body.size()));
        if (call.method != "POST") {
            curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, call.method.c_str());
        }
    } else if (call.method == "GET") {
        curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, call.method.c_str());
    }
}

}  // namespace

CurlHttpClient::CurlHttpClient(CurlHttpClientOptions options)
    : options_(options), pool_(std::make_unique<EasyHandlePool>(options.max_idle_handles)) {}

CurlHttpClient::~CurlHttpClient() = default;

Result<HttpAnswer> CurlHttpClient::send(const HttpCall& call) {
    const std::string where = call.method + " " + redact_url(call.url);
    if (call.method.empty() || has_line_breaks(call.method) ||
        call.method.find(' ') != std::string::npos) {
        return make_error(ErrorCode::kInvalidArgument, "invalid-method",
                          "invalid HTTP method for " + redact_url(call.url));
    }
    auto headers = header_list(call);
    if (!headers) return headers.error();

    EasyHandlePool::Lease lease = pool_->acquire();
    CURL* handle = lease.get();
    if (handle == nullptr) {
        return make_error(ErrorCode::kUnavailable, "http-failed", where + ": out of memory");
    }
    const long timeout_ms = static_cast<long>(std::max<int64_t>(1, call.timeout_ms));
    ResponseSink sink;
    sink.cap = options_.max_response_bytes;
    char error_buffer[CURL_ERROR_SIZE] = {};

    curl_easy_setopt(handle, CURLOPT_URL, call.url.c_str());
    curl_easy_setopt(handle, CURLOPT_PATH_AS_IS,
                     1L);  // the URL exactly as given: no "../" squashing
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(handle, CURLOPT_PROXY, "");  // never a proxy from the environment
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.value().get());
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &write_body);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(handle, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(options_.max_response_bytes));
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);
    set_method(handle, call);

    const CURLcode code = curl_easy_perform(handle);
    if (code != CURLE_OK) {
        std::string detail;
        if (sink.overflow || code == CURLE_FILESIZE_EXCEEDED) {
            detail =
                "response body exceeds " + std::to_string(options_.max_response_bytes) + " bytes";
        } else {
            detail = curl_easy_strerror(code);
            if (error_buffer[0] != '\0') detail += std::string(" (") + error_buffer + ")";
        }
        // libcurl's messages name hosts, not URLs; scrub anyway so a query can never leak.
        return make_error(ErrorCode::kUnavailable, "http-failed",
                          scrub(where + ": " + detail, url_query(call.url)));
    }
    long status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    return HttpAnswer{static_cast<int>(status), std::move(sink.body)};
}

}  // namespace restock::curl
