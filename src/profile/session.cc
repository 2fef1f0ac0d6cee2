#include <fmt/format.h>

#include <algorithm>

#include "barrage/base/excerpt.h"
#include "profile_impl.h"

namespace barrage::profile::detail {
namespace {

// setup = ["login"]: request names -> indices into plan.requests.
std::vector<size_t> read_names(TableReader& session, const char* key, const plan::RunPlan& plan) {
    Diagnostics& diagnostics = session.diagnostics();
    std::vector<size_t> indices;
    const toml::array* names = session.array(key);
    if (names == nullptr) {
        return indices;
    }
    std::vector<std::string> known;
    for (const plan::NamedRequest& request : plan.requests) {
        known.push_back(request.name);
    }
    for (const toml::node& node : *names) {
        const auto* name = node.as_string();
        const auto found = name ? std::find(known.begin(), known.end(), name->get()) : known.end();
        if (found == known.end()) {
            std::string list;
            for (const std::string& each : known) {
                list += list.empty() ? each : ", " + each;
            }
            diagnostics.fail_at(&node,
                                fmt::format("{}: {} is not a request name; expected one "
                                            "of: {}",
                                            key, name ? "'" + name->get() + "'" : "this", list));
            return {};
        }
        indices.push_back(static_cast<size_t>(found - known.begin()));
    }
    return indices;
}

// Every request not in setup, in file order.
std::vector<size_t> default_steps(const plan::RunPlan& plan, const std::vector<size_t>& setup) {
    std::vector<size_t> steps;
    for (size_t i = 0; i < plan.requests.size(); ++i) {
        if (std::find(setup.begin(), setup.end(), i) == setup.end()) {
            steps.push_back(i);
        }
    }
    return steps;
}

// session = { tasks = ["checkout"] } of a [[scenario]]: copies of the
// profile's [[tasks]] (plan.tasks) by name, what the scenario's users repeat.
void read_task_names(TableReader& session, plan::RunPlan& plan) {
    Diagnostics& diagnostics = session.diagnostics();
    const toml::array* names = session.array("tasks");
    if (names == nullptr || !diagnostics.ok()) {
        return;
    }
    // read_scenario_data creates the scenarios before any session is read.
    if (plan.scenarios.empty()) {
        diagnostics.fail_at(names,
                            "[session] tasks picks a [[scenario]]'s tasks; without "
                            "scenarios every [[tasks]] runs; expected no tasks key");
        return;
    }
    std::string list;
    for (const plan::TaskPlan& task : plan.tasks) {
        list += list.empty() ? task.name : ", " + task.name;
    }
    if (names->empty()) {
        diagnostics.fail_at(names, fmt::format("tasks = [] names no task; expected at least one "
                                               "of the profile's [[tasks]]: {}",
                                               list.empty() ? "(none)" : list));
    }
    for (const toml::node& node : *names) {
        const auto* name = node.as_string();
        const auto found = std::find_if(plan.tasks.begin(), plan.tasks.end(), [&](const auto& t) {
            return name != nullptr && t.name == name->get();
        });
        const bool twice = found != plan.tasks.end() &&
                           std::any_of(plan.session.tasks.begin(), plan.session.tasks.end(),
                                       [&](const auto& t) { return t.name == found->name; });
        if (found == plan.tasks.end() || twice) {
            diagnostics.fail_at(
                &node, fmt::format("tasks: {} {}; expected the name of one of the profile's "
                                   "[[tasks]]: {}",
                                   name ? "'" + base::excerpt(name->get()) + "'" : "this",
                                   twice ? "is named twice" : "is not a task name",
                                   list.empty() ? "(the profile has none)" : list));
            return;
        }
        plan.session.tasks.push_back(*found);
    }
}

// [[tasks]] say what repeats: [session] steps may not say it too. The steps
// become each task's first request, what a report shows as "the" request.
void use_tasks(TableReader& root, const toml::node* steps_node, plan::RunPlan& plan) {
    Diagnostics& diagnostics = root.diagnostics();
    if (steps_node != nullptr) {
        diagnostics.fail_at(steps_node,
                            "[session] steps and [[tasks]] both say what each user "
                            "repeats; expected one of them (tasks may hold single "
                            "requests)");
        return;
    }
    plan.session.steps.clear();
    for (const plan::TaskPlan& task : plan.session.tasks) {
        plan.session.steps.push_back(task.steps.front().request);
    }
    const bool weighted = plan.session.order == plan::SessionOrder::weighted;
    const bool any_weight = std::any_of(plan.session.tasks.begin(), plan.session.tasks.end(),
                                        [](const plan::TaskPlan& task) { return task.weight > 0; });
    // A scenario's tasks are the profile's: its session's tasks key is the place.
    const toml::node* weight = root.source()["tasks"][0]["weight"].node();
    if (weight == nullptr) {
        weight = root.source()["session"]["tasks"].node();
    }
    if (weighted && !any_weight) {
        diagnostics.fail_at(weight,
                            "every task has weight 0, so none can be picked; expected at least "
                            "one weight > 0");
    }
}

}  // namespace

void read_session(TableReader& root, plan::RunPlan& plan) {
    Diagnostics& diagnostics = root.diagnostics();
    const toml::table* table = root.table("session");
    const toml::table empty;
    TableReader session(diagnostics, table ? *table : empty, "[session]");
    plan.session.setup = read_names(session, "setup", plan);
    const auto order = session.string("order", "\"weighted\"");
    const toml::node* steps_node = session.node("steps");
    plan.session.steps =
        steps_node ? read_names(session, "steps", plan) : default_steps(plan, plan.session.setup);
    read_task_names(session, plan);
    session.finish();
    if (!diagnostics.ok()) {
        return;
    }
    if (order && *order != "weighted" && *order != "sequence") {
        diagnostics.fail_at(session.node("order"), fmt::format("order '{}' is unknown; expected "
                                                               "\"weighted\" or \"sequence\"",
                                                               base::excerpt(*order)));
        return;
    }
    plan.session.order =
        order == "sequence" ? plan::SessionOrder::sequence : plan::SessionOrder::weighted;
    read_tasks(root, plan);
    if (!plan.session.tasks.empty()) {
        use_tasks(root, steps_node, plan);
        return;
    }
    const toml::node* where = steps_node ? steps_node : table;
    if (plan.session.steps.empty()) {
        diagnostics.fail_at(where,
                            "the session has no steps (every request is in setup); "
                            "expected at least one request to repeat");
        return;
    }
    if (plan.session.order == plan::SessionOrder::weighted) {
        const bool any_weight = std::any_of(plan.session.steps.begin(), plan.session.steps.end(),
                                            [&](size_t i) { return plan.requests[i].weight > 0; });
        if (!any_weight) {
            const toml::node* first_weight =
                root.source()["requests"][plan.session.steps[0]]["weight"].node();
            diagnostics.fail_at(first_weight ? first_weight : where,
                                "every step has weight 0, so none can be picked; expected at "
                                "least one weight > 0");
        }
    }
}

}  // namespace barrage::profile::detail
