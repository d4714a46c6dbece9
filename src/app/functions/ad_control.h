// ad-control: ad-control queue -> the Ads API. Pauses a product's ad when it goes out of stock
// (stock.empty) and resumes it when restored (stock.restored). Products without an ad_id, and
// every message while no Ads API is configured, are acknowledged without a call.
#pragma once

#include <string>

#include "app/functions/function_runner.h"
#include "app/reader_pool.h"
#include "ports/http_client.h"

namespace restock {

struct AdControlConfig {
    std::string ads_url;  // empty: ads are not managed
    int64_t timeout_ms = 5'000;
};

Handler make_ad_control(ReaderPool& readers, HttpClient& http, AdControlConfig config, LogSink log);

}  // namespace restock
