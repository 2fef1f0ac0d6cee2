// [[tasks]]: task groups, each a sequence of requests timed as one transaction,
// with `repeat ... until` steps ("submit, then poll to completion").

#include <fmt/format.h>

#include <algorithm>

#include "barrage/base/excerpt.h"
#include "profile_impl.h"

namespace barrage::profile::detail {
namespace {

// A request's index by name, or a diagnostic at `node` listing the names.
std::optional<size_t> request_index(Diagnostics& diagnostics, const toml::node& node,
                                    const std::string& name, const plan::RunPlan& plan) {
    for (size_t i = 0; i < plan.requests.size(); ++i) {
        if (plan.requests[i].name == name) {
            return i;
        }
    }
    std::string list;
    for (const plan::NamedRequest& request : plan.requests) {
        list += list.empty() ? request.name : ", " + request.name;
    }
    diagnostics.fail_at(&node, fmt::format("'{}' is not a request name; expected one of: {}",
                                           base::excerpt(name), list));
    return std::nullopt;
}

// until = { json = "/status", equals = "completed" } or { json = "/id", exists = true }.
void read_until(TableReader& step, http::CheckSpec& until) {
    Diagnostics& diagnostics = step.diagnostics();
    const toml::table* table = step.table("until");
    if (table == nullptr) {
        if (diagnostics.ok()) {
            diagnostics.fail_at(&step.source(),
                                "a repeat step needs until = { json = \"/status\", "
                                "equals = \"completed\" }");
        }
        return;
    }
    TableReader reader(diagnostics, *table, "until");
    const auto pointer = reader.string("json", "\"/status\"");
    const toml::node* equals = reader.node("equals");
    const toml::node* exists = reader.node("exists");
    reader.finish();
    if (!diagnostics.ok()) {
        return;
    }
    if (!pointer || (equals == nullptr) == (exists == nullptr)) {
        diagnostics.fail_at(table,
                            "until needs json = \"/pointer\" and exactly one of "
                            "equals = VALUE or exists = true");
        return;
    }
    until.pointer = *pointer;
    if (exists != nullptr) {
        if (exists->value<bool>() != true) {
            diagnostics.fail_at(exists, "exists: expected true (a pointer that must resolve)");
        }
        until.kind = http::CheckSpec::Kind::json_exists;
        return;
    }
    until.kind = http::CheckSpec::Kind::json_equals;
    if (const auto* text = equals->as_string()) {
        until.text = text->get();
    } else if (const auto* flag = equals->as_boolean()) {
        until.boolean = flag->get();
    } else if (equals->is_number()) {
        until.number = equals->value<double>();
    } else {
        diagnostics.fail_at(equals, fmt::format("equals is {}; expected a string, a number or a "
                                                "boolean",
                                                type_name(*equals)));
    }
}

// { repeat = "poll", until = {...}, max_tries = 10, interval = "500ms" }
void read_repeat_step(Diagnostics& diagnostics, const toml::table& table, const plan::RunPlan& plan,
                      plan::TaskStepPlan& step) {
    TableReader reader(diagnostics, table, "a repeat step");
    const auto name = reader.string("repeat", "\"poll\"");
    plan::RepeatPlan repeat;
    read_until(reader, repeat.until);
    if (const auto tries = reader.integer("max_tries", 1, plan::repeat_tries_max)) {
        repeat.tries_max = static_cast<int>(*tries);
    }
    if (const auto interval = reader.duration_ns("interval", true)) {
        repeat.interval_ns = *interval;
    }
    reader.finish();
    if (!diagnostics.ok()) {
        return;
    }
    if (!name) {
        diagnostics.fail_at(&table,
                            "a step table needs repeat = \"REQUEST\"; expected e.g. "
                            "{ repeat = \"poll\", until = { json = \"/status\", "
                            "equals = \"completed\" }, max_tries = 10, interval = \"1s\" }");
        return;
    }
    if (const auto index = request_index(diagnostics, *reader.node("repeat"), *name, plan)) {
        step.request = *index;
    }
    if (auto compiled = http::ResponseChecks::compile(std::span(&repeat.until, 1)); !compiled) {
        diagnostics.fail_at(reader.node("until"),
                            fmt::format("until: {}", compiled.error().message));
    }
    step.repeat = std::move(repeat);
}

// requests = ["cart", { repeat = "poll", until = {...} }]
void read_task_steps(TableReader& task, const plan::RunPlan& plan, plan::TaskPlan& out) {
    Diagnostics& diagnostics = task.diagnostics();
    const toml::array* steps = task.array("requests");
    if (steps == nullptr || steps->empty()) {
        if (diagnostics.ok()) {
            diagnostics.fail_at(steps ? static_cast<const toml::node*>(steps) : &task.source(),
                                "a task needs requests = [\"NAME\", ...]: at least one request");
        }
        return;
    }
    for (const toml::node& node : *steps) {
        plan::TaskStepPlan step;
        if (const auto* name = node.as_string()) {
            if (const auto index = request_index(diagnostics, node, name->get(), plan)) {
                step.request = *index;
            }
        } else if (const auto* table = node.as_table()) {
            read_repeat_step(diagnostics, *table, plan, step);
        } else {
            diagnostics.fail_at(&node, fmt::format("a task's request is {}; expected a request "
                                                   "name or {{ repeat = \"NAME\", until = ... }}",
                                                   type_name(node)));
        }
        if (!diagnostics.ok()) {
            return;
        }
        out.steps.push_back(std::move(step));
    }
}

void check_task_name(Diagnostics& diagnostics, const toml::node* where, const std::string& name,
                     const plan::RunPlan& plan) {
    if (name.empty()) {
        diagnostics.fail_at(where, "a task's name must not be empty");
        return;
    }
    for (const plan::NamedRequest& request : plan.requests) {
        if (request.name == name) {
            diagnostics.fail_at(where, fmt::format("task name '{}' is also a request's name; "
                                                   "expected a name of its own (reports and "
                                                   "thresholds refer to both by name)",
                                                   base::excerpt(name)));
            return;
        }
    }
    for (const plan::TaskPlan& task : plan.session.tasks) {
        if (task.name == name) {
            diagnostics.fail_at(where, fmt::format("task name '{}' is used twice; expected "
                                                   "unique names",
                                                   base::excerpt(name)));
            return;
        }
    }
}

void read_task(Diagnostics& diagnostics, const toml::node& node, plan::RunPlan& plan) {
    const auto* table = node.as_table();
    if (table == nullptr) {
        diagnostics.fail_at(&node, "each [[tasks]] entry must be a table");
        return;
    }
    TableReader task(diagnostics, *table, "[[tasks]]");
    plan::TaskPlan out;
    const auto name = task.string("name", "\"checkout\"");
    if (diagnostics.ok() && !name) {
        diagnostics.fail_at(table, "a task needs name = \"NAME\" (its transaction's name)");
        return;
    }
    task.what_is(fmt::format("[[tasks]] '{}'", base::excerpt(name.value_or(""))));
    check_task_name(diagnostics, task.node("name"), name.value_or(""), plan);
    out.name = name.value_or("");
    if (const toml::node* weight = task.node("weight"); weight && diagnostics.ok()) {
        const auto number = number_of(diagnostics, *weight, "weight");
        if (number && !(*number >= 0 && *number <= 1e9)) {
            diagnostics.fail_at(weight, fmt::format("weight {} is out of range; expected 0 to "
                                                    "1000000000",
                                                    *number));
        }
        out.weight = number.value_or(1);
    }
    read_task_steps(task, plan, out);
    task.finish();
    if (diagnostics.ok()) {
        plan.session.tasks.push_back(std::move(out));
    }
}

}  // namespace

void read_tasks(TableReader& root, plan::RunPlan& plan) {
    Diagnostics& diagnostics = root.diagnostics();
    const toml::array* tasks = root.array("tasks");
    if (tasks == nullptr || !diagnostics.ok()) {
        return;
    }
    if (tasks->size() > plan::tasks_max) {
        diagnostics.fail_at(tasks->get(plan::tasks_max),
                            fmt::format("more than {} [[tasks]]; expected at most {}",
                                        plan::tasks_max, plan::tasks_max));
        return;
    }
    for (const toml::node& node : *tasks) {
        read_task(diagnostics, node, plan);
        if (!diagnostics.ok()) {
            return;
        }
    }
}

}  // namespace barrage::profile::detail
