// Results per measured phase of a profile (a step's levels, a spike's base
// and peak), next to the totals.

#include <fmt/format.h>

#include <iterator>

#include "json_field_impl.h"
#include "report_impl.h"

namespace barrage::report::detail {

void write_phases(JsonWriter& json, const stats::RunResult& result) {
    json.key("phases");
    json.begin_array();
    for (const stats::PhaseResult& phase : result.phases) {
        const double length_s = phase.end_s - phase.start_s;
        json.begin_object();
        field(json, "name", phase.name);
        field(json, "start_s", phase.start_s);
        field(json, "end_s", phase.end_s);
        field(json, "sent", phase.counters.requests_sent);
        field(json, "completed", phase.counters.requests_completed);
        field(json, "errors", phase.counters.requests_errors);
        field(json, "throughput_rps", per_second(phase.counters.requests_completed, length_s));
        write_histogram(json, "latency", phase.latency_us);
        json.end_object();
    }
    json.end_array();
}

void append_phases(std::string& out, const stats::RunResult& result,
                   std::string (*format_time_us)(double)) {
    if (result.phases.size() < 2) {
        return;  // one phase: the totals say it all
    }
    auto line = std::back_inserter(out);
    fmt::format_to(line, "{:<20}{:>9}{:>10}{:>9}{:>10}{:>10}{:>10}\n", "By phase", "req/s",
                   "completed", "errors", "p50", "p99", "max");
    for (const stats::PhaseResult& phase : result.phases) {
        const auto time = [&](double percentile) {
            return latency_cell(phase.latency_us, percentile, format_time_us);
        };
        fmt::format_to(line, "  {:<18}{:>9.1f}{:>10}{:>9}{:>10}{:>10}{:>10}\n", phase.name,
                       per_second(phase.counters.requests_completed, phase.end_s - phase.start_s),
                       phase.counters.requests_completed, phase.counters.requests_errors, time(50),
                       time(99), time(100));
    }
}

}  // namespace barrage::report::detail
