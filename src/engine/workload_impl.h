#pragma once
// The run's requests compiled once before the workers start and shared by
// them read-only: templates, checks and captures per request name, and the
// session rules that say which request a connection (or virtual user) sends
// next. Private to src/engine.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "barrage/base/result.h"
#include "barrage/http/capture.h"
#include "barrage/http/data_file.h"
#include "barrage/http/request_template.h"
#include "barrage/http/response_check.h"
#include "barrage/http/template.h"
#include "barrage/plan/plan.h"

namespace barrage::engine::detail {

struct CompiledRequest {
    std::string name;
    http::RequestTemplate request;
    // The same request for plan.more_targets (their Host headers), in order.
    std::vector<http::RequestTemplate> more_targets;
    http::ResponseChecks checks;
    std::vector<http::Capture> captures;
    std::vector<std::string> headers_to_keep;  // for captures from headers
    bool keeps_response = false;               // checks or captures read the body or headers
    bool needs_body = false;

    // The request as sent to target `index` (plan::target_of).
    const http::RequestTemplate& for_target(std::size_t index) const {
        return index == 0 ? request : more_targets[index - 1];
    }
};

// A step of a task group ([[tasks]]): its request, and its repeat rule.
struct CompiledTaskStep {
    std::size_t request = 0;
    http::ResponseChecks until;  // empty: no repeat; else one check, met when it passes
    int tries_max = 1;
    int64_t interval_ns = 0;

    bool repeats() const { return until.size() > 0; }
};

// A task group: a sequence of requests timed as one transaction.
struct CompiledTask {
    std::string name;
    std::vector<CompiledTaskStep> steps;
    // Its row in the run's transactions (plan::transaction_names): a scenario
    // runs some of the profile's tasks, and each counts into the row of its name.
    std::size_t row = 0;
};

// Where a session is in its journey: setup steps first, then the steps.
// A task is one weighted pick, or one whole pass through a sequence, or one
// task group's transaction.
struct SessionCursor {
    std::size_t setup_next = 0;
    std::size_t step_next = 0;
    uint64_t tasks_ended = 0;
    // Task groups only. The transaction under way (task < 0: none), its step
    // and that step's tries so far, and the next task of a sequence.
    int task = -1;
    std::size_t task_step = 0;
    int tries = 0;
    std::size_t task_next = 0;
    bool task_began = false;  // the request last taken began a transaction
    // Of the transaction under way (or the last one): its repeat steps' tries,
    // its first request's intended send, whether that was measured, and when
    // its next try may go (after a repeat's interval).
    int repeat_tries = 0;
    int64_t task_start_ns = 0;
    bool task_measured = false;
    int64_t next_try_ns = 0;
};

// How a task group's step ended, after its response (Workload::end_step).
enum class StepEnd : uint8_t {
    next,       // the transaction goes on with its next step
    retry,      // a repeat's until is not met yet: the same step again, after its interval
    succeeded,  // the last step passed: the transaction ends, timed
    failed,     // a response failed (status >= 400, a check): the transaction ends
    exhausted,  // a repeat ran out of tries: the transaction ends, failed
};

class Workload {
public:
    // Errors come from the templates, checks and captures (the profile loader
    // has checked them already; a URL run's path and headers are templates too).
    static base::Result<Workload> compile(const plan::RunPlan& plan);

    const std::vector<CompiledRequest>& requests() const { return requests_; }
    const http::TemplateScope& scope() const { return scope_; }
    const std::vector<http::DataFile>& data_files() const { return data_files_; }
    http::RowOrder data_order(std::size_t f) const { return data_orders_[f]; }
    // shard = "partition": each shard reads a block of rows of its own.
    bool data_partitioned(std::size_t f) const { return data_partitioned_[f]; }
    // For data file f: the template variable each of its columns fills.
    const std::vector<std::size_t>& variables_of_columns(std::size_t f) const {
        return variables_of_columns_[f];
    }
    // True when connections need their own template variables (captures or data rows).
    bool has_session_variables() const { return !scope_.variables.empty(); }
    // True when any request keeps its response for checks or captures.
    bool keeps_responses() const;

    // The request index a session sends next; advances the cursor.
    std::size_t next_request(SessionCursor& cursor, http::Rng& rng) const;
    // True while the cursor is still in the setup steps.
    bool in_setup(const SessionCursor& cursor) const { return cursor.setup_next < setup_.size(); }
    // True when the request last taken ended a task (a weighted pick, or a
    // sequence's last step), so think time follows it (Locust's wait_time);
    // false after a setup step or a step within a sequence.
    static bool task_ended(const SessionCursor& cursor) {
        return cursor.tasks_ended > 0 && cursor.step_next == 0 && cursor.task < 0;
    }

    // Task groups ([[tasks]]), each a transaction; empty without.
    const std::vector<CompiledTask>& tasks() const { return tasks_; }
    // The run's transaction rows (every snapshot's by_transaction has one each):
    // all the profile's tasks, also those this workload does not run.
    std::size_t transaction_rows() const { return transaction_rows_; }
    // True while the session is in a task group's transaction.
    static bool in_transaction(const SessionCursor& cursor) { return cursor.task >= 0; }
    // The transaction row (CompiledTask::row) of the transaction under way.
    std::size_t row_of(const SessionCursor& cursor) const {
        return tasks_[static_cast<std::size_t>(cursor.task)].row;
    }
    // The step of the transaction under way.
    const CompiledTaskStep& step_of(const SessionCursor& cursor) const;
    // Ends the transaction's current step after its response: `passed` (no
    // status or check failure), `until_met` (its repeat's until passed; true
    // for a step without one). Advances the cursor; when the transaction ends
    // the cursor is out of it (its repeat_tries stay until the next begins).
    StepEnd end_step(SessionCursor& cursor, bool passed, bool until_met) const;
    // Leaves the transaction under way without a verdict (it failed or the run ended).
    static void leave_transaction(SessionCursor& cursor);

private:
    std::vector<CompiledRequest> requests_;
    http::TemplateScope scope_;
    std::vector<http::DataFile> data_files_;
    std::vector<http::RowOrder> data_orders_;
    std::vector<bool> data_partitioned_;
    std::vector<std::vector<std::size_t>> variables_of_columns_;
    std::vector<std::size_t> setup_;
    std::vector<std::size_t> steps_;
    std::vector<double> cumulative_weights_;  // weighted order: running sums over steps_
    bool sequence_ = false;
    bool in_order_ = false;  // steps_ in order (sequence, or a single step), no tasks
    std::vector<CompiledTask> tasks_;
    std::vector<double> task_cumulative_weights_;  // weighted order: running sums over tasks_
    std::size_t transaction_rows_ = 0;

    std::size_t next_task_request(SessionCursor& cursor, http::Rng& rng) const;
    std::size_t pick_task(SessionCursor& cursor, http::Rng& rng) const;
    base::Status compile_tasks(const plan::RunPlan& plan);
};

}  // namespace barrage::engine::detail
