// Sessions: which request a connection (or virtual user) sends next, its
// rendering, and what its response tells (checks, captures, per-name stats).
// Everything here is sized in prepare_sessions(), before the first request.

#include <algorithm>
#include <set>

#include "barrage/base/assert.h"
#include "barrage/base/clock.h"
#include "worker_impl.h"

namespace barrage::engine::detail {

namespace {

// Latencies logged per snapshot before its log grows: 256k responses per
// worker and interval (2 MiB of address space, resident only as far as written).
constexpr std::size_t name_latencies_reserved = std::size_t{1} << 18;

// Distinct seeds per worker and connection, all derived from --seed.
uint64_t seed_for(uint64_t run_seed, int worker, std::size_t slot) {
    return run_seed ^ (static_cast<uint64_t>(worker) << 40) ^ (slot * 0x9E3779B97F4A7C15ULL);
}

}  // namespace

void Worker::prepare_sessions() {
    const std::vector<CompiledRequest>& requests = workload_.requests();
    BARRAGE_ASSERT(requests.size() <= plan::request_names_max);
    for (const auto& snapshot : channel_->pool) {
        for (std::size_t i = 0; i < requests.size(); ++i) {
            snapshot->by_name.emplace_back(requests[i].checks.size(), i);
        }
        // Untouched capacity costs address space only; an interval with more
        // responses than this grows the log once (amortized), then keeps it.
        snapshot->name_latencies_us.reserve(name_latencies_reserved);
    }
    for (std::size_t i = 0; i < requests.size(); ++i) {
        warmup_leftovers_.by_name.emplace_back(requests[i].checks.size(), i);
    }
    if (workload_.keeps_responses()) {
        std::set<std::string> names;
        for (const CompiledRequest& request : workload_.requests()) {
            names.insert(request.headers_to_keep.begin(), request.headers_to_keep.end());
        }
        const std::vector<std::string> headers(names.begin(), names.end());
        const http::ResponseKeepLimits limits;
        json_ = std::make_unique<http::JsonBody>(static_cast<std::size_t>(limits.body_bytes_max));
        for (Connection& conn : connections_) {
            auto keep = http::ResponseKeep::create(headers, limits);
            BARRAGE_ASSERT(keep.ok());  // the names were checked when captures compiled
            conn.keep = std::make_unique<http::ResponseKeep>(std::move(keep).value());
        }
    }
    for (std::size_t f = 0; f < workload_.data_files().size(); ++f) {
        data_cursors_.emplace_back(
            workload_.data_files()[f], workload_.data_order(f), workload_.variables_of_columns(f),
            static_cast<std::size_t>(worker_index_), static_cast<std::size_t>(worker_count_));
    }
    if (workload_.has_session_variables()) {
        // {{seq}} stays unique across connections: connection c of worker w
        // counts c*W+w, then strides over every possible slot.
        const std::size_t stride = static_cast<std::size_t>(worker_count_) * slots_per_worker_max_;
        for (std::size_t slot = 0; slot < connections_.size(); ++slot) {
            connections_[slot].context = std::make_unique<http::TemplateContext>(
                seed_for(plan_.seed, worker_index_, slot + 1), workload_.scope().variables.size(),
                slot * static_cast<std::size_t>(worker_count_) +
                    static_cast<std::size_t>(worker_index_),
                stride);
        }
    }
}

// Warm-up requests that finish after the warm-up are not the measured period's:
// their results go where nobody reads them, so sent == completed + errors holds.
stats::Snapshot& Worker::request_snapshot(const Connection& conn) {
    return conn.request.measured || interval_index_ < 0 ? *current_ : warmup_leftovers_;
}

http::TemplateContext& Worker::context_of(Connection& conn) {
    return conn.context ? *conn.context : context_;
}

// A new connection is a new session: setup steps again, fresh variables, next data row.
void Worker::begin_session(uint32_t slot) {
    Connection& conn = connections_[slot];
    conn.cursor = SessionCursor{};
    if (!conn.context) {
        return;
    }
    conn.context->clear_variables();
    for (http::DataCursor& cursor : data_cursors_) {
        cursor.bind_next(*conn.context);
    }
}

// Picks the connection's next request and makes its bytes ready to send.
// False: it rendered larger than rendered_bytes_max and cannot be sent.
bool Worker::prepare_request(uint32_t slot, int64_t now) {
    Connection& conn = connections_[slot];
    http::TemplateContext& context = context_of(conn);
    const std::size_t index = workload_.next_request(conn.cursor, context.rng());
    const CompiledRequest& request = workload_.requests()[index];
    conn.request.index = static_cast<uint32_t>(index);
    ++request_snapshot(conn).by_name[index].sent;  // one that fails to render fails as sent
    if (request.request.is_constant()) {
        conn.request.bytes = request.request.constant_bytes();
    } else {
        context.now_unix_ns = now + realtime_minus_monotonic_ns_;
        if (!request.request.render(context, conn.send_buffer, body_scratch_)) {
            conn.request.bytes = {};
            return false;
        }
        conn.request.bytes = conn.send_buffer;
    }
    conn.parser.keep(request.keeps_response ? conn.keep.get() : nullptr);
    conn.parser.reset(request.request.is_head());
    return true;
}

// Records the response under its request name and runs its checks and captures.
void Worker::judge_response(uint32_t slot, int64_t latency_ns) {
    Connection& conn = connections_[slot];
    const CompiledRequest& request = workload_.requests()[conn.request.index];
    stats::NameStats& name = request_snapshot(conn).by_name[conn.request.index];
    ++name.completed;
    request_snapshot(conn).name_latencies_us.push_back(
        stats::NameLatency::of(conn.request.index, to_us(latency_ns)));
    if (!request.keeps_response) {
        return;
    }
    json_->reset(conn.keep->body());
    if (request.checks.size() > 0) {
        const http::CheckFailures failures =
            request.checks.evaluate(conn.parser.status_code(), conn.keep->body(), *json_);
        if (failures.any()) {
            ++name.checks_failed;
            for (std::size_t i = 0; i < request.checks.size(); ++i) {
                name.check_failures[i] += failures.failed(i) ? 1 : 0;
            }
        }
    }
    for (const http::Capture& capture : request.captures) {
        if (capture.apply(*conn.keep, *json_, context_of(conn)) != http::CaptureStatus::found) {
            ++name.captures_missed;
        }
    }
}

}  // namespace barrage::engine::detail
