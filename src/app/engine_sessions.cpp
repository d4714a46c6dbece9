// Dashboard sessions: the engine only writes them (a login, a logout) in its group commit, so
// they are durable before the cookie is handed out and shared by every node of a database.
// It keeps nothing of them in memory: readers look them up (app/authenticator.cpp).
#include "app/engine_batch.h"

namespace restock {

Outcome StockEngine::apply(const OpenSession& request, Batch& batch) {
    batch.writes.sessions.push_back(request.session);
    return Done{"session opened", 201};
}

Outcome StockEngine::apply(const EndSession& request, Batch& batch) {
    batch.writes.ended_sessions.push_back(SessionEnd{request.hash, batch.now_ms});
    return Done{"session ended", 204};
}

}  // namespace restock
