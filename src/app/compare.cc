// barrage compare: a result against one or more baselines.
// Exit 0: no regression, 1: a regression, 2: an input is not a comparable result
// or --json cannot be written.

#include "barrage/report/compare.h"

#include <fmt/format.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "barrage/app/commands.h"
#include "barrage/gate/exit_code.h"
#include "barrage/report/run_report.h"

namespace barrage::app {
namespace {

base::Result<std::vector<report::ResultDigest>> read_baselines(
    const std::vector<std::string>& paths) {
    std::vector<report::ResultDigest> baselines;
    for (const std::string& path : paths) {
        auto baseline = report::read_result_file(path);
        if (!baseline) {
            return baseline.error();
        }
        baselines.push_back(std::move(baseline.value()));
    }
    return baselines;
}

report::CompareOptions compare_options(const cli::CompareRequest& request) {
    report::CompareOptions options{request.max_regressions, request.metrics};
    if (request.min_delta_ns) {
        options.min_delta_us = static_cast<double>(*request.min_delta_ns) / 1e3;
    }
    options.allow_different_config = request.allow_different_config;
    return options;
}

}  // namespace

int compare_command(const cli::CompareRequest& request) {
    if (auto status = report::check_writable(request.json_path, "--json file"); !status.ok()) {
        return fail(status.error().message, gate::exit_usage);
    }
    auto baselines = read_baselines(request.baseline_paths);
    if (!baselines) {
        return fail(baselines.error().message, gate::exit_usage);
    }
    auto current = report::read_result_file(request.current_path);
    if (!current) {
        return fail(current.error().message, gate::exit_usage);
    }
    auto compared =
        report::compare_results(baselines.value(), current.value(), compare_options(request));
    if (!compared) {
        return fail(compared.error().message, gate::exit_usage);
    }
    // With --json - the JSON owns stdout, as with barrage run.
    fmt::print(request.json_path == "-" ? stderr : stdout, "{}",
               report::format_compare_report(compared.value()));
    if (!request.json_path.empty()) {
        auto status = report::write_file_atomically(request.json_path,
                                                    report::format_compare_json(compared.value()));
        if (!status.ok()) {
            return fail(status.error().message, gate::exit_usage);
        }
    }
    return compared.value().has_regression() ? gate::exit_thresholds_failed : gate::exit_ok;
}

}  // namespace barrage::app
