// [[scenario]] tables: several user classes in one run (docs/profiles.md).
// Each names its steps among the profile's [[requests]] and has its own
// session and phases, read by the same code as a classic profile's.

#include <fmt/format.h>

#include <algorithm>
#include <span>

#include "barrage/base/excerpt.h"
#include "barrage/http/template.h"
#include "profile_impl.h"

namespace barrage::profile::detail {
namespace {

// tags = ["checkout", "write"]: gates may name them as "tag:checkout", so no
// request may be named so.
std::vector<std::string> read_tags(TableReader& reader, const plan::RunPlan& plan) {
    Diagnostics& diagnostics = reader.diagnostics();
    std::vector<std::string> tags;
    const toml::array* array = reader.array("tags");
    if (array == nullptr) {
        return tags;
    }
    for (const toml::node& node : *array) {
        const auto* tag = node.as_string();
        if (tag == nullptr || tag->get().empty() ||
            tag->get().find_first_of(":<>= ") != std::string::npos) {
            diagnostics.fail_at(&node,
                                "a tag must be a non-empty string without ':', '<', '>', "
                                "'=' or spaces; expected e.g. tags = [\"checkout\"]");
            return {};
        }
        const std::string gate_name = "tag:" + tag->get();
        if (std::any_of(plan.requests.begin(), plan.requests.end(),
                        [&](const plan::NamedRequest& r) { return r.name == gate_name; })) {
            diagnostics.fail_at(&node,
                                fmt::format("tag '{}' would make gates on '{}' ambiguous: "
                                            "a request has that name; expected another tag",
                                            base::excerpt(tag->get()), base::excerpt(gate_name)));
            return {};
        }
        if (std::find(tags.begin(), tags.end(), tag->get()) == tags.end()) {
            tags.push_back(tag->get());
        }
    }
    return tags;
}

// A name a gate can put before ':' ("browse: p95 < 500ms"): unique among
// scenarios and requests, and free of the gate language's characters.
void check_name(Diagnostics& diagnostics, const toml::node* where, const std::string& name,
                std::span<const plan::ScenarioPlan> earlier, const plan::RunPlan& plan) {
    if (name.empty() || name.find_first_of(":<>=") != std::string::npos ||
        name.starts_with("tag")) {
        diagnostics.fail_at(where, fmt::format("scenario name '{}' cannot name it in a gate; "
                                               "expected a non-empty name without ':', '<', '>' "
                                               "or '=' that does not start with 'tag'",
                                               base::excerpt(name)));
        return;
    }
    const bool scenario_twice =
        std::any_of(earlier.begin(), earlier.end(),
                    [&](const plan::ScenarioPlan& other) { return other.name == name; });
    const bool request_too =
        std::any_of(plan.requests.begin(), plan.requests.end(),
                    [&](const plan::NamedRequest& request) { return request.name == name; });
    const bool task_too =
        std::any_of(plan.tasks.begin(), plan.tasks.end(),
                    [&](const plan::TaskPlan& task) { return task.name == name; });
    if (scenario_twice || request_too || task_too) {
        diagnostics.fail_at(where, fmt::format("scenario name '{}' is also the name of {}; "
                                               "expected a name of its own (gates name both)",
                                               base::excerpt(name),
                                               request_too ? "a request"
                                               : task_too  ? "a task"
                                                           : "another scenario"));
    }
}

// The session and phases of one scenario, read into `plan` by the classic
// readers and moved out into the scenario.
void read_scenario_load(TableReader& reader, plan::RunPlan& plan, plan::ScenarioPlan& scenario) {
    Diagnostics& diagnostics = reader.diagnostics();
    const toml::table* session = reader.table("session");
    if (diagnostics.ok() &&
        (session == nullptr || (!session->contains("steps") && !session->contains("tasks")))) {
        diagnostics.fail_at(session ? static_cast<const toml::node*>(session) : &reader.source(),
                            fmt::format("{} names no steps or tasks; expected session = {{ steps "
                                        "= [\"...\"] }} naming the profile's [[requests]], or "
                                        "session = {{ tasks = [\"...\"] }} naming its [[tasks]]",
                                        reader.what()));
        return;
    }
    plan.session = {};
    read_session(reader, plan);
    scenario.session = std::move(plan.session);
    if (!diagnostics.ok()) {
        return;
    }
    const toml::array* listed = reader.source()["phases"].as_array();
    if (listed == nullptr || listed->empty()) {
        diagnostics.fail_at(&reader.source(),
                            fmt::format("{} has no phases; expected e.g. [[scenario.phases]] "
                                        "shape = \"users\" users = 10 duration = \"30s\"",
                                        reader.what()));
        return;
    }
    read_phases(reader, plan);
    scenario.phases = std::move(plan.phases);
    plan.phases.clear();
    const toml::array* phases = reader.source()["phases"].as_array();
    for (std::size_t i = 0; diagnostics.ok() && i < scenario.phases.size(); ++i) {
        if (scenario.phases[i].warmup) {
            diagnostics.fail_at(phases->get(i),
                                fmt::format("{}: phase '{}' is a warmup; a scenario's phases "
                                            "cannot be (every scenario is measured from the "
                                            "run's start); expected no warmup = true",
                                            reader.what(), base::excerpt(scenario.phases[i].name)));
        }
    }
}

plan::ScenarioPlan read_scenario(TableReader& reader, plan::RunPlan& plan,
                                 std::span<const plan::ScenarioPlan> earlier) {
    Diagnostics& diagnostics = reader.diagnostics();
    plan::ScenarioPlan scenario;
    for (const char* key : {"name", "tags", "start", "connections", "session", "phases", "data"}) {
        reader.node(key);
    }
    if (const toml::node* tasks = reader.source().get("tasks")) {
        diagnostics.fail_at(tasks,
                            "a scenario names the profile's [[tasks]] in its session; "
                            "expected [[tasks]] at the top level and session = { tasks "
                            "= [\"NAME\"] } in the scenario");
        return scenario;
    }
    reader.finish();
    const auto name = reader.string("name", "\"browse\"");
    if (diagnostics.ok() && !name) {
        diagnostics.fail_at(&reader.source(), fmt::format("{} has no name; expected e.g. name = "
                                                          "\"browse\"",
                                                          reader.what()));
    }
    if (!diagnostics.ok()) {
        return scenario;
    }
    scenario.name = *name;
    check_name(diagnostics, reader.node("name"), scenario.name, earlier, plan);
    reader.what_is(fmt::format("[[scenario]] '{}'", base::excerpt(scenario.name)));
    scenario.tags = read_tags(reader, plan);
    scenario.start_ns = reader.duration_ns("start", true).value_or(0);
    scenario.connections = static_cast<int>(
        reader.integer("connections", 1, plan::connections_max).value_or(plan.connections));
    if (diagnostics.ok()) {
        read_scenario_load(reader, plan, scenario);
    }
    int64_t end_ns = scenario.start_ns;
    for (const plan::PhasePlan& phase : scenario.phases) {
        if (diagnostics.ok() && __builtin_add_overflow(end_ns, phase.duration_ns, &end_ns)) {
            diagnostics.fail_at(
                reader.node("start"),
                fmt::format("{}: start and phases together are too long", reader.what()));
        }
    }
    if (diagnostics.ok() && !plan::is_open_loop(scenario) && reader.node("connections")) {
        diagnostics.fail_at(reader.node("connections"),
                            fmt::format("{}: a users scenario opens one connection per user; "
                                        "expected no connections (set users in its phases)",
                                        reader.what()));
    }
    return scenario;
}

// The template texts of a request: path, header values, body.
std::vector<std::string_view> template_texts(const plan::NamedRequest& request) {
    std::vector<std::string_view> texts{request.path, request.body};
    for (const plan::Header& header : request.headers) {
        texts.push_back(header.value);
    }
    return texts;
}

// Columns that only other scenarios' data files have: a request of scenario
// `index` that used one would send it empty.
std::vector<std::string> foreign_columns(const plan::RunPlan& plan, std::size_t index) {
    const auto has_column = [](const std::vector<plan::DataFilePlan>& files, const auto& name) {
        return std::any_of(files.begin(), files.end(), [&](const plan::DataFilePlan& file) {
            const auto& columns = file.file->columns;
            return std::find(columns.begin(), columns.end(), name) != columns.end();
        });
    };
    std::vector<std::string> foreign;
    for (const plan::ScenarioPlan& other : plan.scenarios) {
        for (const plan::DataFilePlan& file : other.data_files) {
            for (const std::string& column : file.file->columns) {
                if (!has_column(plan.data_files, column) &&
                    !has_column(plan.scenarios[index].data_files, column)) {
                    foreign.push_back(column);
                }
            }
        }
    }
    return foreign;
}

// The requests a session sends: setup, steps and every request of its tasks.
std::vector<std::size_t> requests_sent(const plan::SessionPlan& session) {
    std::vector<std::size_t> sent = session.setup;
    sent.insert(sent.end(), session.steps.begin(), session.steps.end());
    for (const plan::TaskPlan& task : session.tasks) {
        for (const plan::TaskStepPlan& step : task.steps) {
            sent.push_back(step.request);
        }
    }
    return sent;
}

// Every request a scenario sends uses only variables it has.
void check_scenario_variables(Diagnostics& diagnostics, const toml::node* where,
                              const plan::RunPlan& plan, std::size_t index) {
    const std::vector<std::string> foreign = foreign_columns(plan, index);
    const plan::ScenarioPlan& scenario = plan.scenarios[index];
    const http::TemplateScope scope{plan.variables};
    for (const std::size_t r : requests_sent(scenario.session)) {
        for (const std::string_view text : template_texts(plan.requests[r])) {
            auto compiled = http::Template::compile(text, scope);
            for (std::size_t v :
                 compiled ? compiled.value().variables_used() : std::vector<std::size_t>{}) {
                const std::string& name = plan.variables[v];
                if (std::find(foreign.begin(), foreign.end(), name) != foreign.end()) {
                    diagnostics.fail_at(
                        where,
                        fmt::format("[[scenario]] '{}' sends request '{}', which uses "
                                    "'{}', a column of another scenario's data file "
                                    "only (it would be sent empty); expected the file "
                                    "in this scenario's data too, or in the profile's "
                                    "[[data]]",
                                    base::excerpt(scenario.name),
                                    base::excerpt(plan.requests[r].name), base::excerpt(name)));
                    return;
                }
            }
        }
    }
}

// A [[tasks]] no scenario names would never run: a forgotten session entry.
void check_tasks_used(TableReader& root, const plan::RunPlan& plan) {
    for (std::size_t t = 0; root.diagnostics().ok() && t < plan.tasks.size(); ++t) {
        const std::string& name = plan.tasks[t].name;
        const bool used =
            std::any_of(plan.scenarios.begin(), plan.scenarios.end(), [&](const auto& scenario) {
                return std::any_of(scenario.session.tasks.begin(), scenario.session.tasks.end(),
                                   [&](const plan::TaskPlan& task) { return task.name == name; });
            });
        if (!used) {
            root.diagnostics().fail_at(
                root.source()["tasks"][t].node(),
                fmt::format("[[tasks]] '{}' is run by no scenario; expected its name in a "
                            "[[scenario]]'s session = {{ tasks = [...] }}, or no such task",
                            base::excerpt(name)));
        }
    }
}

}  // namespace

void read_scenario_data(TableReader& root, const std::string& base_dir, plan::RunPlan& plan) {
    Diagnostics& diagnostics = root.diagnostics();
    const toml::array* scenarios = root.source()["scenario"].as_array();
    if (scenarios == nullptr || !diagnostics.ok()) {
        return;
    }
    const std::size_t shared = plan.variables.size();  // the profile's [[data]] columns
    for (const toml::node& node : *scenarios) {
        plan::ScenarioPlan& scenario = plan.scenarios.emplace_back();
        const toml::table* table = node.as_table();
        if (table == nullptr) {
            continue;  // read_scenarios refuses it
        }
        TableReader reader(diagnostics, *table, "[[scenario]]");
        // Read beside the profile's columns alone: another scenario may have the same ones.
        plan::RunPlan own;
        own.variables.assign(plan.variables.begin(),
                             plan.variables.begin() + static_cast<std::ptrdiff_t>(shared));
        read_data_files(reader, base_dir, own);
        for (std::size_t v = shared; v < own.variables.size(); ++v) {
            if (std::find(plan.variables.begin(), plan.variables.end(), own.variables[v]) ==
                plan.variables.end()) {
                plan.variables.push_back(own.variables[v]);
            }
        }
        scenario.data_files = std::move(own.data_files);
    }
}

void read_scenarios(TableReader& root, plan::RunPlan& plan) {
    Diagnostics& diagnostics = root.diagnostics();
    const toml::array* scenarios = root.array("scenario");
    if (scenarios == nullptr || !diagnostics.ok()) {
        return;
    }
    for (const char* key : {"session", "phases"}) {
        if (const toml::node* classic = root.node(key)) {
            diagnostics.fail_at(classic,
                                fmt::format("a profile with [[scenario]] tables has no top-level "
                                            "{0}; expected each scenario's own (move it into "
                                            "[[scenario]] as scenario.{0})",
                                            key));
            return;
        }
    }
    if (scenarios->empty()) {
        diagnostics.fail_at(scenarios,
                            "scenario = [] names no scenario; expected at least one "
                            "[[scenario]] table");
    }
    // The profile's [[tasks]]: each scenario's session names those it runs.
    read_tasks(root, plan);
    plan.tasks = std::move(plan.session.tasks);
    plan.session = {};
    for (std::size_t i = 0; diagnostics.ok() && i < scenarios->size(); ++i) {
        const toml::table* table = scenarios->get(i)->as_table();
        if (table == nullptr) {
            diagnostics.fail_at(scenarios->get(i), "[[scenario]] entries must be tables");
            return;
        }
        TableReader reader(diagnostics, *table, "[[scenario]]");
        if (plan.scenarios.size() <= i) {
            plan.scenarios.emplace_back();
        }
        plan::ScenarioPlan scenario =
            read_scenario(reader, plan, std::span(plan.scenarios.data(), i));
        scenario.data_files = std::move(plan.scenarios[i].data_files);
        plan.scenarios[i] = std::move(scenario);
    }
    for (std::size_t i = 0; diagnostics.ok() && i < plan.scenarios.size(); ++i) {
        const toml::table* table = scenarios->get(i)->as_table();
        check_scenario_variables(diagnostics, table->get("session"), plan, i);
    }
    check_tasks_used(root, plan);
    if (diagnostics.ok()) {
        // The first scenario's session stands for the run where one is shown (plan.h).
        plan.session = plan.scenarios.front().session;
    }
}

}  // namespace barrage::profile::detail
