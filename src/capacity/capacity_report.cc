#include "barrage/capacity/capacity_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

#include "barrage/gate/evaluation.h"
#include "barrage/report/generator_health.h"
#include "barrage/report/json_writer.h"
#include "barrage/stats/name_stats.h"
#include "capacity_report_impl.h"

namespace barrage::capacity {
namespace {

// p99 this many times the low-load baseline marks the knee.
constexpr double knee_factor = 2.0;

}  // namespace

namespace detail {

std::string_view verdict_text(StepVerdict verdict) {
    switch (verdict) {
        case StepVerdict::pass:
            return "pass";
        case StepVerdict::slo_failed:
            return "FAIL";
        case StepVerdict::generator_saturated:
            return "GENERATOR SATURATED";
        case StepVerdict::interrupted:
            return "interrupted";
    }
    return "?";
}

std::string_view verdict_name(StepVerdict verdict) {
    switch (verdict) {
        case StepVerdict::pass:
            return "pass";
        case StepVerdict::slo_failed:
            return "slo_failed";
        case StepVerdict::generator_saturated:
            return "generator_saturated";
        case StepVerdict::interrupted:
            return "interrupted";
    }
    return "unknown";
}

std::string time_text(int64_t us) {
    if (us >= 1'000'000) {
        return fmt::format("{:.2f}s", static_cast<double>(us) / 1e6);
    }
    if (us >= 1'000) {
        return fmt::format("{:.2f}ms", static_cast<double>(us) / 1e3);
    }
    return fmt::format("{}us", us);
}

std::string rate_text(std::optional<double> rps) {
    return rps ? fmt::format("{:.1f} req/s", *rps) : std::string("-");
}

std::vector<StepReport> by_rate(std::span<const StepReport> steps) {
    std::vector<StepReport> sorted(steps.begin(), steps.end());
    std::stable_sort(sorted.begin(), sorted.end(), [](const StepReport& a, const StepReport& b) {
        return a.rate_asked_rps < b.rate_asked_rps;
    });
    return sorted;
}

}  // namespace detail

namespace {

void optional_number(report::JsonWriter& json, std::string_view name, std::optional<double> v) {
    json.key(name);
    if (v) {
        json.value(*v);
    } else {
        json.null();
    }
}

void string_list(report::JsonWriter& json, std::string_view name,
                 const std::vector<std::string>& items) {
    json.key(name);
    json.begin_array();
    for (const std::string& item : items) {
        json.value(item);
    }
    json.end_array();
}

}  // namespace

namespace detail {

std::string answer_text(const CapacityOutcome& outcome) {
    switch (outcome.status) {
        case SearchStatus::found:
            return fmt::format(
                "max sustainable rate {} (the next {} broke the SLO; precision {:.0f}%)",
                rate_text(outcome.max_sustainable_rps), rate_text(outcome.first_failing_rps),
                outcome.precision * 100.0);
        case SearchStatus::lowest_rate_fails:
            return fmt::format("the lowest rate tried, {}, already breaks the SLO: lower --start",
                               rate_text(outcome.first_failing_rps));
        case SearchStatus::max_rate_passes:
            return fmt::format("the SLO held up to --max, {}: the target sustains at least that",
                               rate_text(outcome.max_sustainable_rps));
        case SearchStatus::generator_saturated:
            return fmt::format(
                "GENERATOR SATURATED before the target broke the SLO: {}; add workers (-t) or "
                "generators to go higher",
                outcome.max_sustainable_rps
                    ? "the target sustained at least " + rate_text(outcome.max_sustainable_rps)
                    : std::string("no rate was judged"));
        case SearchStatus::interrupted:
            return fmt::format("interrupted: highest passing rate so far {}",
                               rate_text(outcome.max_sustainable_rps));
        case SearchStatus::steps_exhausted:
            return fmt::format("stopped after {} steps: between {} (pass) and {} (fail)",
                               outcome.steps.size(), rate_text(outcome.max_sustainable_rps),
                               rate_text(outcome.first_failing_rps));
        case SearchStatus::searching:
            break;
    }
    return "";
}

}  // namespace detail

using detail::answer_text;
using detail::by_rate;
using detail::rate_text;
using detail::time_text;
using detail::verdict_name;
using detail::verdict_text;

std::string format_step_time(int64_t us) { return time_text(us); }

StepReport judge_step(double rate_asked_rps, const stats::RunResult& result,
                      std::span<const gate::ThresholdSpec> slos) {
    StepReport step;
    const stats::Counters& c = result.totals.counters;
    const stats::Histogram& latency = result.totals.latency_us;
    step.rate_asked_rps = rate_asked_rps;
    step.rate_achieved_rps =
        result.duration_s > 0 ? static_cast<double>(c.requests_completed) / result.duration_s : 0;
    step.sent = c.requests_sent;
    step.completed = c.requests_completed;
    step.errors = c.requests_errors;
    const int64_t attempts = c.requests_completed + c.requests_errors;
    step.error_rate =
        attempts > 0 ? static_cast<double>(c.requests_errors) / static_cast<double>(attempts) : 0;
    step.failure_rate = stats::failure_rate(c, result.totals.by_name);
    step.p50_us = latency.value_at_percentile(50);
    step.p90_us = latency.value_at_percentile(90);
    step.p99_us = latency.value_at_percentile(99);
    step.p999_us = latency.value_at_percentile(99.9);
    step.max_us = latency.max();
    const auto outcomes = gate::evaluate_thresholds(slos, gate::RunResultMetrics(result));
    for (const gate::ThresholdOutcome& outcome : outcomes) {
        if (!outcome.passed) {
            step.failed.push_back(
                outcome.value ? fmt::format("{} ({})", outcome.spec.expression,
                                            gate::format_metric_value(*outcome.value, outcome.spec))
                              : fmt::format("{} (no value)", outcome.spec.expression));
        }
    }
    const report::GeneratorHealth health = report::judge_generator(result);
    step.evidence = health.evidence;
    // Latency covers only what was sent: a step that sent short of its rate has
    // not sustained it, whoever held it back.
    const double asked = rate_asked_rps * result.duration_s;
    if (!result.interrupted &&
        asked - static_cast<double>(c.requests_sent) > std::max(asked * 0.001, 2.0)) {
        step.failed.push_back(
            fmt::format("sent {} of the {:.0f} requests asked", c.requests_sent, asked));
    }
    // A step that met its SLO passed, whatever the generator went through; a
    // failure while the generator was saturated may be the generator's own.
    if (result.interrupted) {
        step.verdict = StepVerdict::interrupted;
    } else if (!step.failed.empty()) {
        step.verdict =
            health.saturated ? StepVerdict::generator_saturated : StepVerdict::slo_failed;
    }
    return step;
}

// The low-load p99: the lowest p99 of the lowest third of the steps by rate (1 to
// 3 steps). Noise only ever adds latency, so one noisy low step does not set it.
double low_load_p99_us(std::span<const StepReport> sorted) {
    const std::size_t count = std::clamp<std::size_t>((sorted.size() + 2) / 3, 1, 3);
    int64_t lowest = sorted.front().p99_us;
    for (std::size_t i = 1; i < count; ++i) {
        lowest = std::min(lowest, sorted[i].p99_us);
    }
    return std::max(static_cast<double>(lowest), 1.0);
}

std::optional<double> knee_rps(std::span<const StepReport> steps) {
    const std::vector<StepReport> sorted = by_rate(steps);
    if (sorted.size() < 2) {
        return std::nullopt;
    }
    const double limit = knee_factor * low_load_p99_us(sorted);
    // From the top down: the steps above the limit up to the highest rate; the knee
    // is the step below them (a lone spike lower down, with calm steps above it,
    // is noise, not the knee).
    std::size_t first_above = sorted.size();
    while (first_above > 0 && static_cast<double>(sorted[first_above - 1].p99_us) > limit) {
        --first_above;
    }
    // A step run twice at one rate (a retry) is one point of the curve: the knee
    // lies strictly below the rate where p99 stays up.
    const double above_rps = first_above < sorted.size() ? sorted[first_above].rate_asked_rps : 0;
    while (first_above > 0 && sorted[first_above - 1].rate_asked_rps >= above_rps) {
        --first_above;
    }
    if (above_rps == 0 || first_above == 0) {
        return std::nullopt;
    }
    return sorted[first_above - 1].rate_asked_rps;
}

std::string format_capacity_table(const CapacityOutcome& outcome) {
    std::string out;
    auto line = std::back_inserter(out);
    fmt::format_to(line, "{:>12}{:>12}{:>10}{:>10}{:>10}{:>10}{:>9}{:>10}  {}\n", "asked req/s",
                   "got req/s", "p50", "p90", "p99", "max", "errors", "failures", "verdict");
    for (const StepReport& step : by_rate(outcome.steps)) {
        std::string verdict(verdict_text(step.verdict));
        if (step.verdict == StepVerdict::slo_failed) {
            for (std::size_t i = 0; i < step.failed.size(); ++i) {
                verdict += (i == 0 ? " " : "; ") + step.failed[i];
            }
        }
        fmt::format_to(line, "{:>12.1f}{:>12.1f}{:>10}{:>10}{:>10}{:>10}{:>8.2f}%{:>9.2f}%  {}\n",
                       step.rate_asked_rps, step.rate_achieved_rps, time_text(step.p50_us),
                       time_text(step.p90_us), time_text(step.p99_us), time_text(step.max_us),
                       step.error_rate * 100.0, step.failure_rate * 100.0, verdict);
    }
    if (outcome.kind == "find_max") {
        fmt::format_to(line, "Answer       {}\n", answer_text(outcome));
    }
    fmt::format_to(line, "Knee         {}\n",
                   outcome.knee_rps
                       ? fmt::format("{} (p99 stays above twice the low-load p99 above it)",
                                     rate_text(outcome.knee_rps))
                       : std::string("not reached (p99 never stayed above twice the low-load "
                                     "p99)"));
    return out;
}

std::string format_capacity_json(const CapacityOutcome& outcome, const std::string& target) {
    report::JsonWriter json;
    json.begin_object();
    json.key("tool");
    json.value("barrage");
    json.key("version");
    json.value(BARRAGE_VERSION);
    json.key("kind");
    json.value(outcome.kind);
    json.key("target");
    json.value(target);
    string_list(json, "slo", outcome.slos);
    json.key("status");
    json.value(outcome.kind == "find_max" ? status_name(outcome.status) : "done");
    optional_number(json, "max_sustainable_rps", outcome.max_sustainable_rps);
    optional_number(json, "first_failing_rps", outcome.first_failing_rps);
    optional_number(json, "knee_rps", outcome.knee_rps);
    json.key("precision");
    json.value(outcome.precision);
    json.key("steps");
    json.begin_array();
    for (const StepReport& step : outcome.steps) {
        json.begin_object();
        json.key("rate_asked_rps");
        json.value(step.rate_asked_rps);
        json.key("rate_achieved_rps");
        json.value(step.rate_achieved_rps);
        json.key("sent");
        json.value(step.sent);
        json.key("completed");
        json.value(step.completed);
        json.key("errors");
        json.value(step.errors);
        json.key("error_rate");
        json.value(step.error_rate);
        json.key("failure_rate");
        json.value(step.failure_rate);
        json.key("latency");
        json.begin_object();
        for (const auto& [name, value] :
             {std::pair{"p50", step.p50_us}, std::pair{"p90", step.p90_us},
              std::pair{"p99", step.p99_us}, std::pair{"p999", step.p999_us},
              std::pair{"max", step.max_us}}) {
            json.key(name);
            json.value(value);
        }
        json.end_object();
        json.key("verdict");
        json.value(verdict_name(step.verdict));
        string_list(json, "failed", step.failed);
        string_list(json, "generator_evidence", step.evidence);
        json.end_object();
    }
    json.end_array();
    json.end_object();
    return json.text() + "\n";
}

std::string format_capacity_csv(const CapacityOutcome& outcome) {
    std::string csv =
        "step,rate_asked_rps,rate_achieved_rps,sent,completed,errors,error_rate,p50_us,p90_us,"
        "p99_us,p999_us,max_us,verdict,failure_rate\n";
    for (std::size_t i = 0; i < outcome.steps.size(); ++i) {
        const StepReport& step = outcome.steps[i];
        fmt::format_to(std::back_inserter(csv),
                       "{},{:.3f},{:.3f},{},{},{},{:.6f},{},{},{},{},{},{},{:.6f}\n", i + 1,
                       step.rate_asked_rps, step.rate_achieved_rps, step.sent, step.completed,
                       step.errors, step.error_rate, step.p50_us, step.p90_us, step.p99_us,
                       step.p999_us, step.max_us, verdict_name(step.verdict), step.failure_rate);
    }
    return csv;
}

}  // namespace barrage::capacity
