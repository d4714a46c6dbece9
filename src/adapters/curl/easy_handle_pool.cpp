#include "adapters/curl/easy_handle_pool.h"

#include <cstdlib>
#include <iostream>

namespace restock::curl {

void ensure_global_init() {
    static const bool initialised = [] {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            // Without it no call can work; failing loudly beats failing every call obscurely.
            std::cerr << "restock: curl_global_init failed\n";
            std::abort();
        }
        return true;
    }();
    (void)initialised;
}

EasyHandlePool::EasyHandlePool(std::size_t max_idle) : max_idle_(max_idle) { ensure_global_init(); }

EasyHandlePool::~EasyHandlePool() {
    for (CURL* handle : idle_) curl_easy_cleanup(handle);
}

EasyHandlePool::Lease EasyHandlePool::acquire() {
    {
        std::lock_guard lock(mutex_);
        if (!idle_.empty()) {
            CURL* handle = idle_.back();
            idle_.pop_back();
            return Lease(*this, handle);
        }
    }
    return Lease(*this, curl_easy_init());
}

void EasyHandlePool::release(CURL* handle) {
    if (handle == nullptr) return;
    curl_easy_reset(handle);  // drops options, keeps the connection and DNS caches
    {
        std::lock_guard lock(mutex_);
        if (idle_.size() < max_idle_) {
            idle_.push_back(handle);
            return;
        }
    }
    curl_easy_cleanup(handle);
}

}  // namespace restock::curl
