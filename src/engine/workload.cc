#include <algorithm>
#include <cctype>
#include <span>
#include <utility>

#include "barrage/http/basic_auth.h"
#include "workload_impl.h"

namespace barrage::engine::detail {
namespace {

void add_variable(http::TemplateScope& scope, const std::string& name) {
    if (scope.index_of(name) < 0) {
        scope.variables.push_back(name);
    }
}

// Data-file columns first, then every captured variable, each name once.
http::TemplateScope scope_of(const plan::RunPlan& plan, const std::vector<http::DataFile>& files,
                             const std::vector<plan::NamedRequest>& requests) {
    // The profile loader's order first, so templates compile as they were checked.
    http::TemplateScope scope{plan.variables};
    for (const http::DataFile& file : files) {
        for (const std::string& column : file.columns) {
            add_variable(scope, column);
        }
    }
    for (const plan::NamedRequest& request : requests) {
        for (const http::CaptureSpec& capture : request.captures) {
            add_variable(scope, capture.variable);
        }
    }
    return scope;
}

bool is_authorization(std::string_view name) {
    constexpr std::string_view lower = "authorization";
    return std::equal(name.begin(), name.end(), lower.begin(), lower.end(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == b;
    });
}

// The request's headers as sent to `target`: its own, then the target's basic
// auth unless the request sets Authorization itself (that wins, as -H does over curl -u).
void set_target_headers(http::RequestSpec& spec, const plan::NamedRequest& named,
                        const plan::Target& target) {
    spec.host_header = target.host_header;
    spec.headers.clear();
    bool has_authorization = false;
    for (const plan::Header& header : named.headers) {
        spec.headers.emplace_back(header.name, header.value);
        has_authorization = has_authorization || is_authorization(header.name);
    }
    if (target.credentials && !has_authorization) {
        spec.headers.emplace_back(
            "Authorization",
            http::basic_authorization(target.credentials->user, target.credentials->password));
    }
}

base::Result<CompiledRequest> compile_request(const plan::RunPlan& plan,
                                              const plan::NamedRequest& named,
                                              const http::TemplateScope& scope) {
    http::RequestSpec spec;
    spec.method = named.method;
    spec.path = named.path;
    set_target_headers(spec, named, plan.target);
    spec.body = named.body;
    spec.body_verbatim = named.body_verbatim;
    spec.body_form_urlencoded = named.body_form_urlencoded;
    spec.keep_alive = !plan.new_connection_per_request;
    const auto context = [&](const base::Error& error) {
        return base::make_error("request '" + named.name + "': " + error.message);
    };
    auto request = http::RequestTemplate::compile(spec, scope);
    if (!request.ok()) {
        return context(request.error());
    }
    auto checks = http::ResponseChecks::compile(named.checks);
    if (!checks.ok()) {
        return context(checks.error());
    }
    CompiledRequest compiled{
        named.name, std::move(request).value(), {}, std::move(checks).value(), {}, {}, false,
        false};
    for (const plan::Target& target : plan.more_targets) {  // the same request, its own Host
        set_target_headers(spec, named, target);
        auto other = http::RequestTemplate::compile(spec, scope);
        if (!other.ok()) {
            return context(other.error());
        }
        compiled.more_targets.push_back(std::move(other).value());
    }
    for (const http::CaptureSpec& spec_capture : named.captures) {
        auto capture = http::Capture::compile(spec_capture, scope);
        if (!capture.ok()) {
            return context(capture.error());
        }
        compiled.needs_body = compiled.needs_body || capture.value().needs_body();
        compiled.captures.push_back(std::move(capture).value());
    }
    compiled.headers_to_keep = http::headers_to_keep(compiled.captures);
    for (std::string& header : compiled.checks.headers()) {  // header checks read them too
        if (std::find(compiled.headers_to_keep.begin(), compiled.headers_to_keep.end(), header) ==
            compiled.headers_to_keep.end()) {
            compiled.headers_to_keep.push_back(std::move(header));
        }
    }
    compiled.needs_body = compiled.needs_body || compiled.checks.needs_body();
    compiled.keeps_response = compiled.checks.size() > 0 || !compiled.captures.empty();
    return compiled;
}

// The position a uniform draw falls on in running sums of weights.
std::size_t pick_weighted(const std::vector<double>& cumulative, http::Rng& rng) {
    const double pick = rng.unit() * cumulative.back();
    const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), pick);
    return static_cast<std::size_t>(std::min<std::ptrdiff_t>(
        it - cumulative.begin(), static_cast<std::ptrdiff_t>(cumulative.size()) - 1));
}

base::Result<CompiledTaskStep> compile_task_step(const plan::TaskStepPlan& planned,
                                                 const std::string& task_name) {
    CompiledTaskStep step;
    step.request = planned.request;
    if (!planned.repeat) {
        return step;
    }
    auto until = http::ResponseChecks::compile(std::span(&planned.repeat->until, 1));
    if (!until.ok()) {
        return base::make_error("task '" + task_name + "': until: " + until.error().message);
    }
    step.until = std::move(until).value();
    step.tries_max = planned.repeat->tries_max;
    step.interval_ns = planned.repeat->interval_ns;
    BARRAGE_ASSERT(step.tries_max >= 1 && step.interval_ns >= 0);
    return step;
}

}  // namespace

// Task groups: each step compiled, repeated requests keep their body for the
// until check, and the weights summed for the pick.
base::Status Workload::compile_tasks(const plan::RunPlan& plan) {
    BARRAGE_ASSERT(plan.session.tasks.size() <= plan::tasks_max);
    const std::vector<std::string> rows = plan::transaction_names(plan);
    transaction_rows_ = rows.size();
    double total = 0;
    for (const plan::TaskPlan& planned : plan.session.tasks) {
        BARRAGE_ASSERT(!planned.steps.empty());
        const auto row = std::find(rows.begin(), rows.end(), planned.name);
        BARRAGE_ASSERT(row != rows.end());
        CompiledTask task{planned.name, {}, static_cast<std::size_t>(row - rows.begin())};
        for (const plan::TaskStepPlan& planned_step : planned.steps) {
            BARRAGE_ASSERT(planned_step.request < requests_.size());
            auto step = compile_task_step(planned_step, planned.name);
            if (!step.ok()) {
                return step.error();
            }
            if (step.value().repeats()) {
                CompiledRequest& request = requests_[planned_step.request];
                request.keeps_response = true;
                request.needs_body = request.needs_body || step.value().until.needs_body();
            }
            task.steps.push_back(std::move(step).value());
        }
        tasks_.push_back(std::move(task));
        total += sequence_ ? 1.0 : planned.weight;
        task_cumulative_weights_.push_back(total);
    }
    if (!tasks_.empty() && !(total > 0)) {
        return base::make_error("no task has a weight above 0: nothing to send");
    }
    return base::Ok{};
}

base::Result<Workload> Workload::compile(const plan::RunPlan& plan) {
    Workload workload;
    const std::vector<plan::NamedRequest>& requests = plan.requests;
    for (const plan::DataFilePlan& data : plan.data_files) {
        if (data.file) {
            workload.data_files_.push_back(*data.file);
        } else {
            auto file = http::DataFile::load(data.path);
            if (!file.ok()) {
                return file.error();
            }
            workload.data_files_.push_back(std::move(file).value());
        }
        workload.data_orders_.push_back(data.order);
        workload.data_partitioned_.push_back(data.partition);
    }
    workload.scope_ = scope_of(plan, workload.data_files_, requests);
    for (const http::DataFile& file : workload.data_files_) {
        std::vector<std::size_t> variables;
        for (const std::string& column : file.columns) {
            variables.push_back(static_cast<std::size_t>(workload.scope_.index_of(column)));
        }
        workload.variables_of_columns_.push_back(std::move(variables));
    }
    for (const plan::NamedRequest& named : requests) {
        auto compiled = compile_request(plan, named, workload.scope_);
        if (!compiled.ok()) {
            return compiled.error();
        }
        workload.requests_.push_back(std::move(compiled).value());
    }
    workload.sequence_ = plan.session.order == plan::SessionOrder::sequence;
    if (auto status = workload.compile_tasks(plan); !status) {
        return status.error();
    }
    workload.setup_ = plan.session.setup;
    workload.steps_ = plan.session.steps;
    if (workload.steps_.empty()) {
        for (std::size_t i = 0; i < requests.size(); ++i) {
            if (requests[i].weight > 0) {
                workload.steps_.push_back(i);
            }
        }
    }
    if (workload.steps_.empty()) {
        return base::make_error("no request has a weight above 0: nothing to send");
    }
    double total = 0;
    for (std::size_t index : workload.steps_) {
        BARRAGE_ASSERT(index < requests.size());
        total += workload.sequence_ ? 1.0 : requests[index].weight;
        workload.cumulative_weights_.push_back(total);
    }
    for (std::size_t index : workload.setup_) {
        BARRAGE_ASSERT(index < requests.size());
    }
    // One flag for the URL run's path: tasks, when there are any, are never this order.
    workload.in_order_ =
        workload.tasks_.empty() && (workload.sequence_ || workload.steps_.size() == 1);
    return workload;
}

bool Workload::keeps_responses() const {
    return std::any_of(requests_.begin(), requests_.end(),
                       [](const CompiledRequest& r) { return r.keeps_response; });
}

std::size_t Workload::next_request(SessionCursor& cursor, http::Rng& rng) const {
    if (cursor.setup_next < setup_.size()) {
        return setup_[cursor.setup_next++];
    }
    if (in_order_) {
        const std::size_t index = steps_[cursor.step_next];
        // A compare, not a modulo: no dearer than before on the URL run's path.
        if (++cursor.step_next == steps_.size()) {
            cursor.step_next = 0;
            ++cursor.tasks_ended;
        }
        return index;
    }
    if (!tasks_.empty()) {
        return next_task_request(cursor, rng);
    }
    ++cursor.tasks_ended;  // each weighted pick is a task; step_next stays 0
    return steps_[pick_weighted(cumulative_weights_, rng)];
}

// In a transaction: its current step's request (again, for a repeat's next
// try). Out of one: the next task begins, by weight or in order.
std::size_t Workload::next_task_request(SessionCursor& cursor, http::Rng& rng) const {
    cursor.task_began = cursor.task < 0;
    if (cursor.task_began) {
        cursor.task = static_cast<int>(pick_task(cursor, rng));
        cursor.task_step = 0;
        cursor.tries = 0;
        cursor.repeat_tries = 0;
        cursor.next_try_ns = 0;
    }
    const CompiledTaskStep& step = step_of(cursor);
    cursor.repeat_tries += step.repeats() ? 1 : 0;
    return step.request;
}

std::size_t Workload::pick_task(SessionCursor& cursor, http::Rng& rng) const {
    if (!sequence_) {
        return pick_weighted(task_cumulative_weights_, rng);
    }
    const std::size_t task = cursor.task_next;
    cursor.task_next = task + 1 == tasks_.size() ? 0 : task + 1;
    return task;
}

const CompiledTaskStep& Workload::step_of(const SessionCursor& cursor) const {
    BARRAGE_ASSERT(cursor.task >= 0 && static_cast<std::size_t>(cursor.task) < tasks_.size());
    const CompiledTask& task = tasks_[static_cast<std::size_t>(cursor.task)];
    BARRAGE_ASSERT(cursor.task_step < task.steps.size());
    return task.steps[cursor.task_step];
}

StepEnd Workload::end_step(SessionCursor& cursor, bool passed, bool until_met) const {
    const CompiledTaskStep& step = step_of(cursor);
    BARRAGE_ASSERT(until_met || step.repeats());
    StepEnd end = StepEnd::succeeded;
    if (!passed) {
        end = StepEnd::failed;
    } else if (!until_met) {
        if (++cursor.tries < step.tries_max) {
            return StepEnd::retry;
        }
        end = StepEnd::exhausted;
    } else if (++cursor.task_step < tasks_[static_cast<std::size_t>(cursor.task)].steps.size()) {
        cursor.tries = 0;
        return StepEnd::next;
    }
    leave_transaction(cursor);
    return end;
}

void Workload::leave_transaction(SessionCursor& cursor) {
    cursor.task = -1;
    cursor.task_step = 0;
    cursor.tries = 0;
    cursor.next_try_ns = 0;
    ++cursor.tasks_ended;  // think time follows the whole task
}

}  // namespace barrage::engine::detail
