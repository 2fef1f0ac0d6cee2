// Sessions: which request a connection (or virtual user) sends next, its
// rendering, and what its response tells (checks, captures, per-name stats).

#include <algorithm>
#include <set>

#include "barrage/base/assert.h"
#include "barrage/plan/plan.h"
#include "barrage/plan/shard.h"
#include "session_impl.h"

namespace barrage::engine::detail {

namespace {

// Distinct seeds per worker and connection, all derived from --seed.
uint64_t seed_for(uint64_t run_seed, int worker, std::size_t slot) {
    return run_seed ^ (static_cast<uint64_t>(worker) << 40) ^ (slot * 0x9E3779B97F4A7C15ULL);
}

uint64_t seed_for_worker(uint64_t run_seed, int worker) {
    return run_seed ^ (static_cast<uint64_t>(worker + 1) * 0xD1B54A32D192ED03ULL);
}

}  // namespace

Sessions::Sessions(const Workload& workload, uint64_t run_seed, const WorkerSlice& slice)
    : workload_(workload),
      run_seed_(run_seed),
      slice_(slice),
      context_(seed_for_worker(run_seed, static_cast<int>(slice.first())),
               workload.scope().variables.size(), static_cast<uint64_t>(slice.first()),
               static_cast<uint64_t>(slice.stride())) {
    BARRAGE_ASSERT(workload.requests().size() <= plan::request_names_max);
}

void Sessions::prepare_snapshot(stats::Snapshot& snapshot) const {
    const std::vector<CompiledRequest>& requests = workload_.requests();
    for (std::size_t i = 0; i < requests.size(); ++i) {
        snapshot.by_name.emplace_back(requests[i].checks.size(), i);
    }
    for (std::size_t i = 0; i < workload_.transaction_rows(); ++i) {
        snapshot.by_transaction.emplace_back(i);
    }
}

void Sessions::prepare(std::vector<Connection>& connections, std::size_t slots_per_worker_max) {
    if (workload_.keeps_responses()) {
        std::set<std::string> names;
        for (const CompiledRequest& request : workload_.requests()) {
            names.insert(request.headers_to_keep.begin(), request.headers_to_keep.end());
        }
        const std::vector<std::string> headers(names.begin(), names.end());
        const http::ResponseKeepLimits limits;
        json_ = std::make_unique<http::JsonBody>(static_cast<std::size_t>(limits.body_bytes_max));
        for (Connection& conn : connections) {
            auto keep = http::ResponseKeep::create(headers, limits);
            BARRAGE_ASSERT(keep.ok());  // the names were checked when captures compiled
            conn.session.keep = std::make_unique<http::ResponseKeep>(std::move(keep).value());
        }
    }
    for (std::size_t f = 0; f < workload_.data_files().size(); ++f) {
        add_data_cursor(f);
    }
    if (workload_.has_session_variables()) {
        // {{seq}} stays unique across connections, of every worker and shard:
        // connection c of the worker counts from its test-wide index, then
        // strides over every possible slot.
        const auto stride = static_cast<std::size_t>(slice_.stride()) * slots_per_worker_max;
        const int seed_worker = static_cast<int>(slice_.first());
        for (std::size_t slot = 0; slot < connections.size(); ++slot) {
            connections[slot].session.context = std::make_unique<http::TemplateContext>(
                seed_for(run_seed_, seed_worker, slot + 1), workload_.scope().variables.size(),
                static_cast<std::size_t>(slice_.global(static_cast<int64_t>(slot))), stride);
        }
    }
}

// Shared rows (the default): round robin over every worker of every shard.
// Partitioned: the shard's own block of rows, round robin over its workers.
void Sessions::add_data_cursor(std::size_t f) {
    const http::DataFile& file = workload_.data_files()[f];
    if (!workload_.data_partitioned(f)) {
        data_cursors_.emplace_back(file, workload_.data_order(f), workload_.variables_of_columns(f),
                                   static_cast<std::size_t>(slice_.first()),
                                   static_cast<std::size_t>(slice_.stride()));
        return;
    }
    const auto rows = static_cast<int64_t>(file.row_count());
    BARRAGE_ASSERT(rows >= slice_.shards);  // plan::validate_shard refuses fewer
    const http::RowRange range{
        .begin = static_cast<std::size_t>(plan::share_begin(rows, slice_.shard, slice_.shards)),
        .count = static_cast<std::size_t>(plan::share_of(rows, slice_.shard, slice_.shards))};
    data_cursors_.emplace_back(file, workload_.data_order(f), workload_.variables_of_columns(f),
                               static_cast<std::size_t>(slice_.worker),
                               static_cast<std::size_t>(slice_.workers), range);
}

http::TemplateContext& Sessions::context_of(Connection& conn) {
    return conn.session.context ? *conn.session.context : context_;
}

void Sessions::begin(Connection& conn) {
    if (in_transaction(conn)) {
        return;  // a reconnect within a transaction (Connection: close, --new-conn): it goes on
    }
    conn.session.cursor = SessionCursor{};
    if (!conn.session.context) {
        return;
    }
    conn.session.context->clear_variables();
    for (http::DataCursor& cursor : data_cursors_) {
        cursor.bind_next(*conn.session.context);
    }
}

bool Sessions::prepare_request(Connection& conn, stats::Snapshot& snapshot, int64_t now_unix_ns) {
    http::TemplateContext& context = context_of(conn);
    const std::size_t index = workload_.next_request(conn.session.cursor, context.rng());
    const CompiledRequest& request = workload_.requests()[index];
    const http::RequestTemplate& bytes = request.for_target(conn.target);  // its Host header
    conn.request.index = static_cast<uint32_t>(index);
    ++snapshot.by_name[index].sent;  // one that fails to render fails as sent
    if (conn.session.cursor.task_began) {
        begin_transaction(conn.session.cursor, conn.request, snapshot);
    }
    if (bytes.is_constant()) {
        conn.request.bytes = bytes.constant_bytes();
    } else {
        context.now_unix_ns = now_unix_ns;
        if (!bytes.render(context, conn.send_buffer, body_scratch_)) {
            conn.request.bytes = {};
            return false;
        }
        conn.request.bytes = conn.send_buffer;
    }
    conn.parser.keep(request.keeps_response ? conn.session.keep.get() : nullptr);
    conn.parser.reset(bytes.is_head());
    return true;
}

// Pipelining: as prepare_request for a request sent behind others. The parser
// is left alone (it reads the head's response); arm_parser takes it over when
// the request becomes the head. The bytes are valid until the next rendering.
bool Sessions::prepare_pipelined(Connection& conn, RequestInFlight& record,
                                 stats::Snapshot& snapshot, int64_t now_unix_ns) {
    const std::size_t index = workload_.next_request(conn.session.cursor, context_of(conn).rng());
    record.index = static_cast<uint32_t>(index);
    ++snapshot.by_name[index].sent;
    return render(conn, record, now_unix_ns);
}

// Renders `record`'s request (again, for a re-send) into record.bytes.
bool Sessions::render(Connection& conn, RequestInFlight& record, int64_t now_unix_ns) {
    const http::RequestTemplate& bytes = workload_.requests()[record.index].for_target(conn.target);
    if (bytes.is_constant()) {
        record.bytes = bytes.constant_bytes();
        return true;
    }
    http::TemplateContext& context = context_of(conn);
    context.now_unix_ns = now_unix_ns;
    if (!bytes.render(context, conn.send_buffer, body_scratch_)) {
        record.bytes = {};
        return false;
    }
    record.bytes = conn.send_buffer;
    return true;
}

void Sessions::arm_parser(Connection& conn, uint32_t index) {
    const CompiledRequest& request = workload_.requests()[index];
    conn.parser.keep(request.keeps_response ? conn.session.keep.get() : nullptr);
    conn.parser.reset(request.for_target(conn.target).is_head());
}

void Sessions::begin_transaction(SessionCursor& cursor, const RequestInFlight& first,
                                 stats::Snapshot& snapshot) const {
    cursor.task_began = false;
    cursor.task_start_ns = first.intended_ns;
    cursor.task_measured = first.measured;
    ++snapshot.by_transaction[workload_.row_of(cursor)].sent;
}

bool Sessions::judge_response(Connection& conn, stats::Snapshot& snapshot, int64_t latency_ns) {
    const CompiledRequest& request = workload_.requests()[conn.request.index];
    stats::NameStats& name = snapshot.by_name[conn.request.index];
    ++name.completed;
    snapshot.name_latencies_us.push_back(
        stats::NameLatency::of(conn.request.index, to_us(latency_ns)));
    // A status check, when the request has one, decides alone whether the status is a failure.
    const bool status_failed = conn.parser.status_code() >= 400 && !request.checks.checks_status();
    if (!request.keeps_response) {
        name.responses_failed += status_failed ? 1 : 0;
        return !status_failed;
    }
    http::ResponseKeep& keep = *conn.session.keep;
    json_->reset(keep.body());
    bool checks_failed = false;
    if (request.checks.size() > 0) {
        const http::CheckedResponse response{conn.parser.status_code(), keep.body(),
                                             conn.parser.body_bytes(), &keep};
        const http::CheckFailures failures = request.checks.evaluate(response, *json_);
        checks_failed = failures.any();
        if (failures.any()) {
            ++name.checks_failed;
            for (std::size_t i = 0; i < request.checks.size(); ++i) {
                name.check_failures[i] += failures.failed(i) ? 1 : 0;
            }
        }
    }
    name.responses_failed += status_failed || checks_failed ? 1 : 0;
    for (const http::Capture& capture : request.captures) {
        if (capture.apply(keep, *json_, context_of(conn)) != http::CaptureStatus::found) {
            ++name.captures_missed;
        }
    }
    return !(status_failed || checks_failed);
}

StepEnd Sessions::end_step(Connection& conn, bool passed, stats::Snapshot& snapshot,
                           int64_t done_ns) {
    SessionCursor& cursor = conn.session.cursor;
    const std::size_t task = workload_.row_of(cursor);
    const CompiledTaskStep& step = workload_.step_of(cursor);
    bool until_met = true;
    if (passed && step.repeats()) {
        // The kept body is still the response's (judge_response read it, if at all, the same way).
        const http::ResponseKeep& keep = *conn.session.keep;
        json_->reset(keep.body());
        until_met = !step.until.evaluate(conn.parser.status_code(), keep.body(), *json_).any();
    }
    const int64_t interval_ns = step.interval_ns;
    const StepEnd end = workload_.end_step(cursor, passed, until_met);
    if (end == StepEnd::retry) {
        cursor.next_try_ns = done_ns + interval_ns;
        return end;
    }
    if (end == StepEnd::next) {
        return end;
    }
    stats::TransactionStats& stats = snapshot.by_transaction[task];
    ++stats.completed;
    count_tries(stats, cursor);
    if (end == StepEnd::succeeded) {
        BARRAGE_ASSERT(done_ns >= cursor.task_start_ns);
        snapshot.transaction_latencies_us.push_back(
            stats::NameLatency::of(task, to_us(done_ns - cursor.task_start_ns)));
    } else {
        ++stats.responses_failed;
        stats.tries_exhausted += end == StepEnd::exhausted ? 1 : 0;
    }
    return end;
}

void Sessions::fail_transaction(Connection& conn, stats::Snapshot& snapshot) {
    SessionCursor& cursor = conn.session.cursor;
    stats::TransactionStats& stats = snapshot.by_transaction[workload_.row_of(cursor)];
    ++stats.errors;
    count_tries(stats, cursor);
    Workload::leave_transaction(cursor);
}

void Sessions::count_tries(stats::TransactionStats& stats, const SessionCursor& cursor) {
    stats.repeat_tries += cursor.repeat_tries;
    stats.repeat_tries_max = std::max<int64_t>(stats.repeat_tries_max, cursor.repeat_tries);
}

}  // namespace barrage::engine::detail
