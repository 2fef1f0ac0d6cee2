// Suite files: [[run]] tables, each a profile loaded with its overrides, all
// before the first run (suite_loader.h).

#include <fmt/format.h>

#include <cmath>

#include "barrage/base/excerpt.h"
#include "barrage/profile/profile_loader.h"
#include "barrage/profile/suite_loader.h"
#include "profile_impl.h"

namespace barrage::profile {
namespace {

using base::make_error;
using base::Result;
using detail::Diagnostics;
using detail::TableReader;

// Runs in one suite: each holds its plan (requests, data) in memory at once.
constexpr std::size_t suite_runs_max = 100;

std::string directory_of(const std::string& path) {
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? std::string(".") : path.substr(0, slash + 1);
}

// "profiles/smoke.toml" -> "smoke".
std::string stem_of(const std::string& path) {
    const size_t slash = path.rfind('/');
    std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    return name.ends_with(".toml") ? name.substr(0, name.size() - 5) : name;
}

// set = ["phases.main.duration=5s", ...]
void read_sets(TableReader& reader, std::vector<std::string>& sets) {
    const toml::array* array = reader.array("set");
    if (array == nullptr) {
        return;
    }
    for (const toml::node& element : *array) {
        const auto* text = element.as_string();
        if (text == nullptr) {
            reader.diagnostics().fail_at(
                &element, fmt::format("'set' holds {}; expected strings KEY=VALUE, e.g. set = "
                                      "[\"phases.main.duration=5s\"]",
                                      detail::type_name(element)));
            return;
        }
        sets.push_back(text->get());
    }
}

// time_scale = 0.1: a plain number above 0 and at most 1000, as --time-scale.
std::optional<double> read_time_scale(TableReader& reader) {
    const toml::node* node = reader.node("time_scale");
    if (node == nullptr || !reader.diagnostics().ok()) {
        return std::nullopt;
    }
    const auto factor = detail::number_of(reader.diagnostics(), *node, "time_scale");
    if (factor && (!std::isfinite(*factor) || *factor <= 0 || *factor > 1000)) {
        reader.diagnostics().fail_at(node, fmt::format("time_scale = {} is out of range; expected "
                                                       "a factor above 0 and at most 1000, e.g. "
                                                       "time_scale = 0.1",
                                                       *factor));
        return std::nullopt;
    }
    return factor;
}

// The defaults a suite gives every run.
struct RunDefaults {
    int64_t cool_down_ns = 0;
    bool stop_on_fail = false;
};

// The overrides of one [[run]] (its outputs, --set, time scale and seed) with the command line's.
RunFlags run_flags_of(TableReader& reader, const SuiteFlags& suite_flags) {
    RunFlags flags;
    flags.outputs.quiet = suite_flags.quiet;
    read_sets(reader, flags.sets);
    const std::optional<double> scale = read_time_scale(reader);
    if (scale || suite_flags.time_scale) {
        flags.time_scale = scale.value_or(1.0) * suite_flags.time_scale.value_or(1.0);
    }
    if (const auto requests = reader.integer("requests", 1, plan::iterations_max)) {
        flags.requests = *requests;  // as --requests
    }
    if (const auto seed = reader.integer("seed", 0, INT64_MAX)) {
        flags.seed = static_cast<uint64_t>(*seed);
    }
    if (suite_flags.seed) {
        flags.seed = suite_flags.seed;
    }
    flags.outputs.json_path = reader.string("json", "\"smoke.json\"").value_or("");
    flags.outputs.html_path = reader.string("html", "\"smoke.html\"").value_or("");
    flags.outputs.csv_path = reader.string("csv", "\"smoke.csv\"").value_or("");
    return flags;
}

// One [[run]]: its keys, then its profile, loaded now so that any mistake in
// any profile stops the suite before it sends anything.
std::optional<SuiteRun> read_run(TableReader& reader, const std::string& base_dir,
                                 const RunDefaults& defaults, const SuiteFlags& suite_flags) {
    Diagnostics& diagnostics = reader.diagnostics();
    SuiteRun run;
    const toml::node* profile_node = reader.node("profile");
    const auto profile = reader.string("profile", "\"smoke.toml\"");
    run.name = reader.string("name", "\"smoke\"").value_or("");
    run.cool_down_ns = reader.duration_ns("cool_down", true).value_or(defaults.cool_down_ns);
    run.stop_on_fail = reader.boolean("stop_on_fail").value_or(defaults.stop_on_fail);
    const RunFlags flags = run_flags_of(reader, suite_flags);
    reader.finish();
    if (!diagnostics.ok()) {
        return std::nullopt;
    }
    if (!profile || profile->empty()) {
        diagnostics.fail_at(&reader.source(), fmt::format("{} has no profile; expected e.g. "
                                                          "profile = \"smoke.toml\"",
                                                          reader.what()));
        return std::nullopt;
    }
    run.profile_path = detail::resolve_path(base_dir, *profile);
    if (run.name.empty()) {
        run.name = stem_of(run.profile_path);
    }
    auto plan = load_profile(run.profile_path, flags);
    if (!plan) {
        diagnostics.fail_at(profile_node, fmt::format("run '{}': {}", base::excerpt(run.name),
                                                      plan.error().message));
        return std::nullopt;
    }
    run.plan = std::move(plan).value();
    // What the run's JSON shows as its command: the suite and the run in it.
    run.plan.command_line =
        fmt::format("barrage suite {} (run '{}')", diagnostics.file(), run.name);
    return run;
}

// Two runs of one name could not be told apart in the report.
void check_names_distinct(const std::vector<SuiteRun>& runs, Diagnostics& diagnostics) {
    for (std::size_t i = 0; i < runs.size(); ++i) {
        for (std::size_t j = i + 1; j < runs.size(); ++j) {
            if (runs[i].name == runs[j].name) {
                diagnostics.fail(diagnostics.file(),
                                 fmt::format("runs {} and {} are both named '{}'; give each "
                                             "[[run]] its own name = \"...\"",
                                             i + 1, j + 1, base::excerpt(runs[i].name)));
                return;
            }
        }
    }
}

void read_suite(TableReader& root, const std::string& base_dir, const SuiteFlags& flags,
                SuitePlan& suite) {
    Diagnostics& diagnostics = root.diagnostics();
    for (const char* key : {"name", "description", "cool_down", "stop_on_fail", "run"}) {
        root.node(key);
    }
    root.finish();
    suite.name = root.string("name", "\"ci\"").value_or(stem_of(suite.path));
    root.string("description", "\"what this suite is for\"");
    RunDefaults defaults;
    defaults.cool_down_ns = root.duration_ns("cool_down", true).value_or(0);
    defaults.stop_on_fail = root.boolean("stop_on_fail").value_or(false);
    const toml::array* runs = root.array("run");
    if (!diagnostics.ok()) {
        return;
    }
    if (runs == nullptr || runs->empty() || runs->size() > suite_runs_max) {
        diagnostics.fail(diagnostics.where(runs),
                         fmt::format("a suite runs 1 to {} profiles; expected [[run]] tables, "
                                     "e.g. [[run]] profile = \"smoke.toml\"",
                                     suite_runs_max));
        return;
    }
    for (const toml::node& element : *runs) {
        const toml::table* table = element.as_table();
        if (table == nullptr) {
            diagnostics.fail_at(&element,
                                "[[run]] must be a table, e.g. [[run]] profile = "
                                "\"smoke.toml\"");
            return;
        }
        TableReader reader(diagnostics, *table, fmt::format("[[run]] {}", suite.runs.size() + 1));
        auto run = read_run(reader, base_dir, defaults, flags);
        if (!run) {
            return;
        }
        suite.runs.push_back(std::move(*run));
    }
    check_names_distinct(suite.runs, diagnostics);
}

}  // namespace

Result<SuitePlan> load_suite_text(std::string_view text, const std::string& path,
                                  const SuiteFlags& flags) {
    auto parsed = detail::parse_toml(text, path);
    if (!parsed) {
        return parsed.error();
    }
    const toml::table document = std::move(parsed).value();
    Diagnostics diagnostics(path);
    TableReader root(diagnostics, document, "the suite");
    SuitePlan suite;
    suite.path = path;
    read_suite(root, directory_of(path), flags, suite);
    if (!diagnostics.ok()) {
        return diagnostics.error();
    }
    return suite;
}

Result<SuitePlan> load_suite(const std::string& path, const SuiteFlags& flags) {
    auto text = detail::read_small_file(path);
    if (!text) {
        return make_error(
            fmt::format("{}; expected the path of a TOML suite file", text.error().message));
    }
    return load_suite_text(text.value(), path, flags);
}

}  // namespace barrage::profile
