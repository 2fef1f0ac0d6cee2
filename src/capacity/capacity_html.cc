// The find-max page: the steps as two charts over the asked rate and as the
// table the terminal shows, with the answer on top. Drawn from the outcome
// alone, with the page pieces the run report uses.

#include "barrage/capacity/capacity_html.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <vector>

#include "barrage/gate/threshold.h"
#include "barrage/report/html/html_page.h"
#include "barrage/report/html/html_report.h"
#include "capacity_report_impl.h"

namespace barrage::capacity {
namespace {

using report::html_escape;
using report::html::ChartSeries;
using report::html::ChartSpec;
using report::html::color_blue;
using report::html::color_green;
using report::html::color_grey;
using report::html::color_orange;
using report::html::XAxis;

// The page's style classes for a verdict: pass green, the rest red (a failed
// SLO) or amber (the generator's limit or a signal: nothing said about the target).
const char* verdict_class(StepVerdict verdict) {
    switch (verdict) {
        case StepVerdict::pass:
            return "pass";
        case StepVerdict::slo_failed:
            return "fail";
        case StepVerdict::generator_saturated:
        case StepVerdict::interrupted:
            break;
    }
    return "warn";
}

void card(std::string& page, std::string_view key, std::string_view value, const char* css) {
    fmt::format_to(std::back_inserter(page),
                   "<div class=\"card\"><div class=\"v {}\">{}</div><div class=\"k\">{}</div>"
                   "</div>",
                   css, html_escape(value), html_escape(key));
}

const char* status_class(const CapacityOutcome& outcome) {
    if (outcome.kind != "find_max") {
        return "";
    }
    switch (outcome.status) {
        case SearchStatus::found:
        case SearchStatus::max_rate_passes:
            return "pass";
        case SearchStatus::lowest_rate_fails:
            return "fail";
        case SearchStatus::searching:
        case SearchStatus::generator_saturated:
        case SearchStatus::interrupted:
        case SearchStatus::steps_exhausted:
            break;
    }
    return "warn";
}

void append_answer(std::string& page, const CapacityOutcome& outcome) {
    report::html::section_open(page, "answer", "Answer");
    page += "<div class=\"cards\">";
    const bool search = outcome.kind == "find_max";
    card(page, "status", search ? std::string(status_name(outcome.status)) : "levels done",
         status_class(outcome));
    card(page, "max sustainable rate", detail::rate_text(outcome.max_sustainable_rps), "");
    card(page, "first failing rate", detail::rate_text(outcome.first_failing_rps), "");
    card(page, "knee", detail::rate_text(outcome.knee_rps), "");
    page += "</div>\n";
    if (search) {
        fmt::format_to(std::back_inserter(page), "<p id=\"answer-text\">{}</p>\n",
                       html_escape(detail::answer_text(outcome)));
    }
    fmt::format_to(std::back_inserter(page),
                   "<p class=\"sub\">The knee: the highest rate above which p99 stays above "
                   "twice the low-load p99 (the lowest of the lowest steps).{}</p></section>\n",
                   search ? fmt::format(" Precision {:.0f}%.", outcome.precision * 100.0) : "");
}

// The knee as a vertical line on a chart over the asked rate.
void mark_knee(ChartSpec& spec, const CapacityOutcome& outcome) {
    if (outcome.knee_rps) {
        spec.rules.push_back(
            {*outcome.knee_rps, fmt::format("knee {}", detail::rate_text(outcome.knee_rps)), true});
    }
}

// Each latency SLO on the whole run ("p99 < 50ms") as a line at its limit, in `divisor`.
void mark_slos(ChartSpec& spec, const CapacityOutcome& outcome, double divisor) {
    for (const std::string& slo : outcome.slos) {
        const auto parsed = gate::parse_threshold(slo);
        if (parsed.ok() && gate::metric_unit(parsed.value().metric) == "us" &&
            !parsed.value().is_ratio()) {
            spec.rules.push_back({parsed.value().limit / divisor, "SLO " + slo, false});
        }
    }
}

// p50 and p99 span decades once the target is past its capacity: log scale.
ChartSpec latency_chart(const std::vector<StepReport>& steps, const CapacityOutcome& outcome) {
    int64_t max_us = 0;
    for (const StepReport& step : steps) {
        max_us = std::max(max_us, step.p99_us);
    }
    const report::html::LatencyUnit unit = report::html::latency_unit_for(max_us);
    ChartSpec spec{"chart-capacity-latency",
                   "Latency by asked rate",
                   unit.label,
                   XAxis::rate_asked,
                   {},
                   {},
                   {},
                   true};
    ChartSeries p50{"p50", color_blue, {}};
    ChartSeries p99{"p99", color_orange, {}};
    for (const StepReport& step : steps) {
        spec.x.push_back(step.rate_asked_rps);
        p50.y.push_back(static_cast<double>(step.p50_us) / unit.divisor);
        p99.y.push_back(static_cast<double>(step.p99_us) / unit.divisor);
    }
    if (!steps.empty()) {
        spec.series = {std::move(p50), std::move(p99)};
    }
    mark_slos(spec, outcome, unit.divisor);
    mark_knee(spec, outcome);
    return spec;
}

ChartSpec rate_chart(const std::vector<StepReport>& steps, const CapacityOutcome& outcome) {
    ChartSpec spec{"chart-capacity-rate",
                   "Achieved rate by asked rate",
                   "req/s",
                   XAxis::rate_asked,
                   {},
                   {},
                   {}};
    ChartSeries achieved{"achieved", color_green, {}};
    ChartSeries asked{"asked", color_grey, {}};
    for (const StepReport& step : steps) {
        spec.x.push_back(step.rate_asked_rps);
        achieved.y.push_back(step.rate_achieved_rps);
        asked.y.push_back(step.rate_asked_rps);
    }
    if (!steps.empty()) {
        spec.series = {std::move(achieved), std::move(asked)};
    }
    mark_knee(spec, outcome);
    return spec;
}

// What the verdict cell says besides the verdict: the SLOs broken, or why the
// generator was the limit.
std::string verdict_reason(const StepReport& step) {
    const std::vector<std::string>& reasons =
        step.verdict == StepVerdict::generator_saturated ? step.evidence : step.failed;
    std::string text;
    for (const std::string& reason : reasons) {
        text += (text.empty() ? "" : "; ") + reason;
    }
    return text;
}

void append_steps_table(std::string& page, const std::vector<StepReport>& steps) {
    report::html::section_open(page, "steps", "Steps");
    page +=
        "<p class=\"sub\">One row per step, by asked rate; each judged on its own results "
        "after its warm-up.</p>\n<table id=\"steps-table\">";
    report::html::table_row(page,
                            {"asked req/s", "got req/s", "p50", "p90", "p99", "p99.9", "max",
                             "errors", "failures", "verdict"},
                            true);
    for (const StepReport& step : steps) {
        auto out = std::back_inserter(page);
        fmt::format_to(out, "<tr class=\"verdict-{}\">", detail::verdict_name(step.verdict));
        for (const std::string& cell :
             {fmt::format("{:.1f}", step.rate_asked_rps),
              fmt::format("{:.1f}", step.rate_achieved_rps), detail::time_text(step.p50_us),
              detail::time_text(step.p90_us), detail::time_text(step.p99_us),
              detail::time_text(step.p999_us), detail::time_text(step.max_us),
              fmt::format("{:.2f}%", step.error_rate * 100.0),
              fmt::format("{:.2f}%", step.failure_rate * 100.0)}) {
            fmt::format_to(out, "<td>{}</td>", html_escape(cell));
        }
        const std::string reason = verdict_reason(step);
        fmt::format_to(out, "<td class=\"words\"><span class=\"{}\">{}</span>{}</td></tr>\n",
                       verdict_class(step.verdict), html_escape(detail::verdict_text(step.verdict)),
                       reason.empty() ? "" : " " + html_escape(reason));
    }
    page += "</table></section>\n";
}

}  // namespace

std::string format_capacity_html(const CapacityOutcome& outcome, const std::string& target) {
    const bool search = outcome.kind == "find_max";
    const char* name = search ? "barrage find-max" : "barrage find-max --profile-levels";
    std::string page = report::html::page_open(fmt::format("{}: {}", name, target));
    std::string slos;
    for (const std::string& slo : outcome.slos) {
        slos += (slos.empty() ? "SLO " : ", ") + slo;
    }
    fmt::format_to(std::back_inserter(page),
                   "<header><h1>{}</h1><p class=\"sub\">{} &middot; {} step{}{}</p></header>\n",
                   html_escape(name), html_escape(target), outcome.steps.size(),
                   outcome.steps.size() == 1 ? "" : "s",
                   slos.empty() ? "" : " &middot; " + html_escape(slos));
    append_answer(page, outcome);
    const std::vector<StepReport> steps = detail::by_rate(outcome.steps);
    report::html::append_chart(page, "latency", "Latency by asked rate",
                               latency_chart(steps, outcome),
                               "Latency percentiles of each step (log scale), from the "
                               "intended send time; the SLOs and the knee as dashed lines.");
    report::html::append_chart(page, "rate", "Achieved rate by asked rate",
                               rate_chart(steps, outcome),
                               "Completed requests per second of each step against the rate "
                               "asked: the lines part where the target falls behind.");
    append_steps_table(page, steps);
    page +=
        report::html::page_close(fmt::format("Written by barrage {} find-max.", BARRAGE_VERSION));
    return page;
}

}  // namespace barrage::capacity
