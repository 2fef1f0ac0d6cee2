#pragma once
// One `barrage serve` thread: its own ring, listening socket and connections.
// Private to serve.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <latch>
#include <string>

#include "barrage/base/clock.h"
#include "barrage/plan/plan.h"

namespace barrage::serve::detail {

// How late a server thread, and the signal wait, may notice a stop request.
inline constexpr int64_t stop_poll_ns = 100 * base::ns_per_ms;

// Read-only while the threads run, except the two flags.
struct Shared {
    const plan::ServePlan& plan;
    std::string ok_response;  // the answer most requests get (200, keep-alive), prebuilt
    std::atomic<bool> stop{false};
    std::atomic<bool> failed{false};
};

// The status line, headers and body of Shared::ok_response.
std::string build_ok_response(const std::string& body);

// A server thread's body: serves listen_fd with at most connections_max
// connections until shared.stop; thread_index (unique per server) goes into
// the ids of the jobs it makes. Counts `ready` down once it accepts, or has
// failed to start; on failure sets shared.failed and `error`.
void serve_on_thread(Shared& shared, int listen_fd, std::size_t connections_max,
                     uint32_t thread_index, std::latch& ready, std::string& error);

}  // namespace barrage::serve::detail
