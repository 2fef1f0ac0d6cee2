#pragma once
// Private to engine: the sessions of one worker's connections. Which request
// a connection (or virtual user) sends next, its rendering, and what its
// response tells (checks, captures, per-name counts). Everything is sized in
// prepare(), before the first request; the data path never allocates here.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "barrage/http/data_file.h"
#include "barrage/http/template.h"
#include "barrage/stats/snapshot.h"
#include "connection_impl.h"
#include "load_model_impl.h"
#include "workload_impl.h"

namespace barrage::engine::detail {

class Sessions {
public:
    // The worker's slice of the test: seeds, {{seq}} and data rows are spread
    // over every worker of every shard, all derived from `run_seed`.
    Sessions(const Workload& workload, uint64_t run_seed, const WorkerSlice& slice);

    // Gives each connection what its session keeps (variables, a kept
    // response). slots_per_worker_max: connections of the busiest worker.
    void prepare(std::vector<Connection>& connections, std::size_t slots_per_worker_max);
    // Sizes a snapshot's per-name counts for the workload's requests.
    void prepare_snapshot(stats::Snapshot& snapshot) const;

    // A new connection is a new session: setup steps again, fresh variables, next data row;
    // except within a task group's transaction, which goes on over the new connection.
    void begin(Connection& conn);
    // Picks the connection's next request (conn.request.index) and makes its
    // bytes ready (conn.request.bytes); counts it as sent in `snapshot`.
    // False: it rendered larger than rendered_bytes_max and cannot be sent.
    bool prepare_request(Connection& conn, stats::Snapshot& snapshot, int64_t now_unix_ns);
    // Pipelining (--pipeline N > 1): picks and renders the connection's next
    // request into `record` (its index and bytes, valid until the next
    // rendering) without touching the parser, which reads the head's response.
    bool prepare_pipelined(Connection& conn, RequestInFlight& record, stats::Snapshot& snapshot,
                           int64_t now_unix_ns);
    // Renders record.index again (a re-send on a new connection) into record.bytes.
    bool render(Connection& conn, RequestInFlight& record, int64_t now_unix_ns);
    // The parser reads the response to request `index` next (a new head).
    void arm_parser(Connection& conn, uint32_t index);
    // Records the response under its request name and runs its checks and
    // captures. True when it passed: no failed check, and no status >= 400
    // unless a status check says it is expected.
    bool judge_response(Connection& conn, stats::Snapshot& snapshot, int64_t latency_ns);

    // Task groups. True when the workload has any.
    bool has_transactions() const { return !workload_.tasks().empty(); }
    // True while the connection's session is in a transaction.
    static bool in_transaction(const Connection& conn) {
        return Workload::in_transaction(conn.session.cursor);
    }
    // After judge_response, for a connection in a transaction: ends the step
    // (`passed`: judge_response's verdict; a repeat's until is judged here),
    // and counts the transaction into `snapshot` when it ends (timed from its
    // first request's intended send to `done_ns` when it succeeded). retry:
    // the session's next try may go at cursor.next_try_ns.
    StepEnd end_step(Connection& conn, bool passed, stats::Snapshot& snapshot, int64_t done_ns);
    // The transaction under way ends without an answer to its request in
    // flight (a transport error); the session starts afresh on the next connection.
    void fail_transaction(Connection& conn, stats::Snapshot& snapshot);

    http::TemplateContext& context_of(Connection& conn);
    bool in_setup(const Connection& conn) const { return workload_.in_setup(conn.session.cursor); }

private:
    void begin_transaction(SessionCursor& cursor, const RequestInFlight& first,
                           stats::Snapshot& snapshot) const;
    static void count_tries(stats::TransactionStats& stats, const SessionCursor& cursor);
    void add_data_cursor(std::size_t f);

    const Workload& workload_;
    uint64_t run_seed_;
    WorkerSlice slice_;
    http::TemplateContext context_;         // shared by the connections without session variables
    std::string body_scratch_;              // rendering reuses it for every request
    std::unique_ptr<http::JsonBody> json_;  // reads kept bodies for checks and captures
    std::vector<http::DataCursor> data_cursors_;  // one per data file
};

}  // namespace barrage::engine::detail
