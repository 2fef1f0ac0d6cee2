// --levels c=1,10,25,50 (closed loop, one run per connection count) and
// --levels r=100,200 (open loop, one run per rate) on a URL run: the levels
// are parsed and every level's plan is checked before any traffic.

#include <fmt/format.h>

#include <utility>

#include "barrage/base/excerpt.h"
#include "barrage/cli/units.h"
#include "barrage/profile/run_flags.h"
#include "levels_impl.h"

namespace barrage::cli {
namespace {

using base::make_error;
using base::Result;
using base::Status;

constexpr std::size_t levels_max = 100;  // a sweep, not a soak: each level is a whole run

constexpr std::string_view levels_form = "expected c=1,10,25,50 (connections) or r=100,200 (rate)";

Result<double> parse_level(LevelsRequest::Dimension dimension, std::string_view item) {
    if (dimension == LevelsRequest::Dimension::connections) {
        auto count = parse_count("--levels c=", item, 1, plan::connections_max);
        return count ? Result<double>(static_cast<double>(count.value()))
                     : Result<double>(count.error());
    }
    return parse_rate_per_s("--levels r=", item);
}

Status parse_levels_text(std::string_view text, LevelsRequest& request) {
    const auto equals = text.find('=');
    const std::string_view name = text.substr(0, equals);
    if (equals == std::string_view::npos ||
        (name != "c" && name != "connections" && name != "r" && name != "rate")) {
        return make_error(
            fmt::format("--levels: '{}' names no dimension; {}", base::excerpt(text), levels_form));
    }
    request.dimension = name.starts_with('c') ? LevelsRequest::Dimension::connections
                                              : LevelsRequest::Dimension::rate;
    for (std::string_view rest = text.substr(equals + 1);
         !rest.empty() || request.levels.empty();) {
        const auto comma = rest.find(',');
        auto level = parse_level(request.dimension, rest.substr(0, comma));
        if (!level) {
            return make_error(fmt::format("{}; {}", level.error().message, levels_form));
        }
        request.levels.push_back(level.value());
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        if (comma != std::string_view::npos && rest.empty()) {
            return make_error(fmt::format("--levels: '{}' ends with a comma; {}",
                                          base::excerpt(text), levels_form));
        }
    }
    if (request.levels.size() > levels_max) {
        return make_error(
            fmt::format("--levels: {} levels; at most {}", request.levels.size(), levels_max));
    }
    return base::Ok{};
}

// What a single run writes or judges has no meaning for a sweep of runs.
Status refuse_single_run_flags(const profile::RunFlags& flags, LevelsRequest::Dimension dimension) {
    const plan::OutputPlan& out = flags.outputs;
    const std::pair<bool, std::string_view> refused[] = {
        {!out.csv_path.empty(), "--csv"},
        {!out.csv_requests_path.empty(), "--csv-requests"},
        {!out.hlog_path.empty(), "--hlog"},
        {!out.html_path.empty(), "--html"},
        {!out.history_path.empty(), "--history"},
        {!out.thresholds.empty(), "--threshold"},
        {flags.watch.has_value(), "--watch-*"},
        {flags.requests.has_value(), "--requests"},
        {!out.dashboard_listen.empty(), "--dashboard"},
        {out.dashboard_linger_ns > 0, "--dashboard-linger"},
        {!out.metrics_listen.empty(), "--metrics-listen"},
        {out.metrics_linger_ns > 0, "--metrics-linger"},
    };
    for (const auto& [given, flag] : refused) {
        if (given) {
            return make_error(fmt::format(
                "{} is for one run; --levels makes one run per level and writes one table "
                "(--json FILE holds every level); expected barrage find-max for SLOs, or a run "
                "per level",
                flag));
        }
    }
    const bool dimension_given = dimension == LevelsRequest::Dimension::connections
                                     ? flags.connections.has_value()
                                     : flags.rate_per_s.has_value();
    if (dimension_given) {
        return make_error(fmt::format(
            "{} and --levels {}= both set the {}; give the values in --levels only",
            dimension == LevelsRequest::Dimension::connections ? "-c" : "-r",
            dimension == LevelsRequest::Dimension::connections ? "c" : "r",
            dimension == LevelsRequest::Dimension::connections ? "connections" : "rate"));
    }
    return base::Ok{};
}

}  // namespace

Result<plan::RunPlan> levels_step_plan(const LevelsRequest& request, double level) {
    plan::RunPlan step = request.url_plan;
    profile::RunFlags flags = request.flags;
    flags.outputs = {};
    flags.outputs.quiet = true;
    if (request.dimension == LevelsRequest::Dimension::connections) {
        flags.connections = static_cast<int>(level);
    } else {
        flags.rate_per_s = level;
    }
    if (auto status = profile::apply_run_flags(step, flags); !status) {
        return status.error();
    }
    if (auto status = plan::validate_run_plan(step); !status) {
        return make_error(fmt::format("--levels {}: {}", level, status.error().message));
    }
    return step;
}

namespace detail {

Result<Command> make_levels_request(const plan::RunPlan& url_plan, const profile::RunFlags& flags,
                                    std::string_view text) {
    LevelsRequest request;
    if (auto status = parse_levels_text(text, request); !status) {
        return status.error();
    }
    if (auto status = refuse_single_run_flags(flags, request.dimension); !status) {
        return status.error();
    }
    request.url_plan = url_plan;
    request.flags = flags;
    request.json_path = flags.outputs.json_path;
    request.quiet = flags.outputs.quiet;
    // Every level's plan is checked now, so a level that cannot run costs no traffic.
    for (const double level : request.levels) {
        if (auto step = levels_step_plan(request, level); !step) {
            return step.error();
        }
    }
    return Command(std::move(request));
}

}  // namespace detail
}  // namespace barrage::cli
