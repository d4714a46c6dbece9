#include "adapters/cluster/cluster_commands.h"

#include "adapters/http/command_codec.h"
#include "support/crypto.h"

namespace restock::cluster {

std::string cluster_token(std::string_view callback_secret) {
    return sha256_hex(hmac_sha256(callback_secret, "restock internal commands v1"));
}

void ClusterCommands::submit(Submission submission) {
    if (auto engine = leadership_.local()) {
        engine->submit(std::move(submission));
        return;
    }
    if (!http::is_remote_command(submission.command)) {
        submission.done(make_error(ErrorCode::kInternal, "internal",
                                   "this command runs only on the writer node"));
        return;
    }
    NodeRequest request;
    request.method = "POST";
    request.target = "/internal/v1/commands";
    request.headers = {{"Authorization", "Cluster " + cluster_token_},
                       {"Content-Type", "application/json"},
                       {"X-Restock-Forwarded", "1"}};
    request.body = http::encode_command(submission.command);
    auto sent = link_.send(request, /*repeatable=*/true);
    if (auto* error = std::get_if<Error>(&sent)) {
        submission.done(std::move(*error));
        return;
    }
    const NodeResponse& response = std::get<NodeResponse>(sent);
    if (response.status != 200) {
        submission.done(make_error(ErrorCode::kUnavailable, "unavailable",
                                   "the writer node answered " + std::to_string(response.status) +
                                       ": " + response.body.substr(0, 300)));
        return;
    }
    auto outcome = http::decode_outcome(response.body);
    if (!outcome) {
        submission.done(outcome.error());
        return;
    }
    submission.done(std::move(outcome.value()));
}

}  // namespace restock::cluster
