#include "barrage/stats/counters.h"

#include <numeric>

#include "barrage/base/assert.h"

namespace barrage::stats {

namespace {

constexpr int status_code_min = 100;
constexpr int status_code_max = 599;

// add() names every field; this fails the build when a field is added or
// changed so add() is revisited instead of silently skipping it.
static_assert(sizeof(Counters) == (17 + 2 * error_kind_count + 6 + 600) * sizeof(int64_t),
              "Counters changed: update Counters::add");
static_assert(static_cast<int>(ErrorKind::templating) + 1 == error_kind_count);

template <typename Array>
void add_each(Array& into, const Array& from) {
    for (size_t i = 0; i < into.size(); ++i) {
        into[i] += from[i];
    }
}

}  // namespace

std::string_view error_kind_name(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::connect:
            return "connect";
        case ErrorKind::connect_timeout:
            return "connect_timeout";
        case ErrorKind::timeout:
            return "timeout";
        case ErrorKind::reset:
            return "reset";
        case ErrorKind::eof:
            return "eof";
        case ErrorKind::protocol:
            return "protocol";
        case ErrorKind::fd_limit:
            return "fd_limit";
        case ErrorKind::port_exhausted:
            return "port_exhausted";
        case ErrorKind::tls:
            return "tls";
        case ErrorKind::io:
            return "io";
        case ErrorKind::templating:
            return "template";
    }
    BARRAGE_ASSERT_MSG(false, "unknown ErrorKind");
    return "unknown";
}

void Counters::count_status(int code) {
    if (code < status_code_min || code > status_code_max) {
        ++status_class[0];  // not an HTTP status we can classify
        return;
    }
    ++status_code[static_cast<size_t>(code)];
    ++status_class[static_cast<size_t>(code / 100)];
}

void Counters::add(const Counters& other) {
    requests_sent += other.requests_sent;
    requests_completed += other.requests_completed;
    requests_errors += other.requests_errors;
    requests_late += other.requests_late;
    requests_behind += other.requests_behind;
    stalls += other.stalls;
    stall_ns += other.stall_ns;
    responses_timed_on_arrival += other.responses_timed_on_arrival;
    requests_unfinished += other.requests_unfinished;
    requests_unsent += other.requests_unsent;
    connections_opened += other.connections_opened;
    reconnects += other.reconnects;
    requests_resent += other.requests_resent;
    bytes_sent += other.bytes_sent;
    bytes_received += other.bytes_received;
    tls_handshakes_full += other.tls_handshakes_full;
    tls_handshakes_resumed += other.tls_handshakes_resumed;
    add_each(errors, other.errors);
    add_each(request_failures, other.request_failures);
    add_each(status_class, other.status_class);
    add_each(status_code, other.status_code);
}

int64_t Counters::errors_total() const {
    return std::accumulate(errors.begin(), errors.end(), int64_t{0});
}

}  // namespace barrage::stats
