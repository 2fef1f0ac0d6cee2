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

// Where a session is in its journey: setup steps first, then the steps.
// A task is one weighted pick, or one whole pass through a sequence.
struct SessionCursor {
    std::size_t setup_next = 0;
    std::size_t step_next = 0;
    uint64_t tasks_ended = 0;
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
        return cursor.tasks_ended > 0 && cursor.step_next == 0;
    }

private:
    std::vector<CompiledRequest> requests_;
    http::TemplateScope scope_;
    std::vector<http::DataFile> data_files_;
    std::vector<http::RowOrder> data_orders_;
    std::vector<std::vector<std::size_t>> variables_of_columns_;
    std::vector<std::size_t> setup_;
    std::vector<std::size_t> steps_;
    std::vector<double> cumulative_weights_;  // weighted order: running sums over steps_
    bool sequence_ = false;
};

}  // namespace barrage::engine::detail
