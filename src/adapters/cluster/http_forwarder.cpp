#include "adapters/cluster/http_forwarder.h"

#include "support/thread_name.h"

namespace restock::cluster {

HttpForwarder::HttpForwarder(WriterLink& link, int threads, std::size_t max_queued)
    : link_(link), max_queued_(max_queued) {
    for (int i = 0; i < std::max(1, threads); ++i) {
        threads_.push_back(start_named_thread("restock-forward", [this] { work(); }));
    }
}

HttpForwarder::~HttpForwarder() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& thread : threads_) thread.join();
}

void HttpForwarder::forward(const http::HttpRequest& request, http::Respond respond) {
    Job job;
    job.request.method = request.method;
    job.request.target = request.path + (request.query.empty() ? "" : "?" + request.query);
    auto& headers = job.request.headers;
    if (!request.authorization.empty())
        headers.emplace_back("Authorization", request.authorization);
    if (!request.content_type.empty()) headers.emplace_back("Content-Type", request.content_type);
    if (request.idempotency_key) headers.emplace_back("Idempotency-Key", *request.idempotency_key);
    // A dashboard's request: its session and the CSRF checks' headers, which the writer node
    // applies as this one would.
    if (!request.cookie.empty()) headers.emplace_back("Cookie", request.cookie);
    if (!request.origin.empty()) headers.emplace_back("Origin", request.origin);
    if (!request.sec_fetch_site.empty())
        headers.emplace_back("Sec-Fetch-Site", request.sec_fetch_site);
    if (!request.host.empty()) headers.emplace_back("X-Forwarded-Host", request.host);
    headers.emplace_back("X-Request-Id", request.request_id);
    headers.emplace_back("X-Restock-Forwarded", "1");
    job.request.body = request.body;
    job.repeatable = request.method == "GET" || request.idempotency_key.has_value();
    job.path = request.path;
    job.request_id = request.request_id;
    job.respond = std::move(respond);
    {
        std::lock_guard lock(mutex_);
        if (!stopping_ && jobs_.size() < max_queued_) {
            jobs_.push_back(std::move(job));
            wake_.notify_one();
            return;
        }
    }
    job.respond(http::Exchange{
        http::problem_reply(503, "unavailable",
                            "too many requests are waiting for the writer node; retry", job.path,
                            job.request_id),
        "", ""});
}

void HttpForwarder::work() {
    while (true) {
        Job job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (jobs_.empty()) return;  // stopping, and everything answered
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        auto sent = link_.send(job.request, job.repeatable);
        http::Reply reply;
        if (auto* response = std::get_if<NodeResponse>(&sent)) {
            reply.status = response->status;
            reply.content_type = std::move(response->content_type);
            reply.body = std::move(response->body);
            reply.location = std::move(response->location);
            reply.replayed = response->replayed;
            reply.request_id = std::move(response->request_id);
            if (!response->set_cookie.empty())
                reply.headers.emplace_back("Set-Cookie", std::move(response->set_cookie));
        } else {
            reply = http::problem_reply(std::get<Error>(sent), job.path, job.request_id);
        }
        job.respond(http::Exchange{std::move(reply), "", ""});
    }
}

}  // namespace restock::cluster
