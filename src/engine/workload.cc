#include <algorithm>
#include <utility>

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

base::Result<CompiledRequest> compile_request(const plan::RunPlan& plan,
                                              const plan::NamedRequest& named,
                                              const http::TemplateScope& scope) {
    http::RequestSpec spec;
    spec.method = named.method;
    spec.path = named.path;
    spec.host_header = plan.target.host_header;
    for (const plan::Header& header : named.headers) {
        spec.headers.emplace_back(header.name, header.value);
    }
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
        spec.host_header = target.host_header;
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

}  // namespace

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
    workload.setup_ = plan.session.setup;
    workload.steps_ = plan.session.steps;
    workload.sequence_ = plan.session.order == plan::SessionOrder::sequence;
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
    if (sequence_ || steps_.size() == 1) {
        const std::size_t index = steps_[cursor.step_next];
        // A compare, not a modulo: no dearer than before on the URL run's path.
        if (++cursor.step_next == steps_.size()) {
            cursor.step_next = 0;
            ++cursor.tasks_ended;
        }
        return index;
    }
    ++cursor.tasks_ended;  // each weighted pick is a task; step_next stays 0
    const double pick = rng.unit() * cumulative_weights_.back();
    const auto it = std::upper_bound(cumulative_weights_.begin(), cumulative_weights_.end(), pick);
    const auto position = static_cast<std::size_t>(std::min<std::ptrdiff_t>(
        it - cumulative_weights_.begin(), static_cast<std::ptrdiff_t>(steps_.size()) - 1));
    return steps_[position];
}

}  // namespace barrage::engine::detail
