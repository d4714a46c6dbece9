// EasyHandlePool: reusable libcurl easy handles. Reusing a handle keeps its connection cache, so
// repeated calls to the same host ride on a kept-alive connection. Internal to the curl adapter.
// Thread-safe: a handle is leased to one caller at a time.
#pragma once

#include <curl/curl.h>

#include <cstddef>
#include <mutex>
#include <vector>

namespace restock::curl {

// Runs curl_global_init exactly once per process (it is not thread-safe on its own).
void ensure_global_init();

class EasyHandlePool {
  public:
    explicit EasyHandlePool(std::size_t max_idle);
    ~EasyHandlePool();  // REQUIRES: no outstanding leases
    EasyHandlePool(const EasyHandlePool&) = delete;
    EasyHandlePool& operator=(const EasyHandlePool&) = delete;

    // A borrowed handle, reset to defaults and returned to the pool on destruction.
    class Lease {
      public:
        Lease(EasyHandlePool& pool, CURL* handle) : pool_(pool), handle_(handle) {}
        ~Lease() { pool_.release(handle_); }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        CURL* get() const { return handle_; }  // null if libcurl could not allocate one

      private:
        EasyHandlePool& pool_;
        CURL* handle_;
    };

    Lease acquire();

  private:
    void release(CURL* handle);

    const std::size_t max_idle_;
    std::mutex mutex_;
    std::vector<CURL*> idle_;
};

}  // namespace restock::curl
