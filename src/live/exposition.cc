// The scrape answer. One Family per metric name; both formats share every
// line but the family header, the counters' family name and the end.

#include "barrage/live/exposition.h"

#include <fmt/format.h>

#include <cmath>
#include <cstddef>

#include "barrage/base/assert.h"

namespace barrage::live {

namespace {

enum class Type { counter, gauge, histogram, summary, info };

std::string_view type_name(Type type, Format format) {
    switch (type) {
        case Type::counter:
            return "counter";
        case Type::gauge:
            return "gauge";
        case Type::histogram:
            return "histogram";
        case Type::summary:
            return "summary";
        // The text format 0.0.4 has no info type: a gauge of value 1 says the same.
        case Type::info:
            return format == Format::openmetrics ? "info" : "gauge";
    }
    BARRAGE_ASSERT(false);
    return "";
}

// A sample value: integers exactly, others as the shortest round-trip text.
std::string number(double value) {
    if (std::isnan(value)) {
        return "NaN";
    }
    if (std::isinf(value)) {
        return value > 0 ? "+Inf" : "-Inf";
    }
    return fmt::format("{}", value);
}

std::string number(int64_t value) { return fmt::format("{}", value); }

// HELP text: the text format escapes backslash and newline, OpenMetrics also the quote.
std::string escape_help(std::string_view help, Format format) {
    std::string out;
    for (const char c : help) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '"' && format == Format::openmetrics) {
            out += "\\\"";
        } else {
            out += c;
        }
    }
    return out;
}

class Writer {
public:
    Writer(const MetricsFrame& frame, Format format) : format_(format) {
        common_ = fmt::format("run_id=\"{}\"", escape_label_value(frame.run_id));
        if (frame.shard_count > 1) {
            common_ += fmt::format(",shard=\"{}\"", frame.shard_index);
        }
    }

    // Starts the family `name` (for a counter: without `_total`; with a unit:
    // ending in `_<unit>`, as OpenMetrics requires).
    void family(std::string_view name, Type type, std::string_view help,
                std::string_view unit = "") {
        BARRAGE_ASSERT(unit.empty() || name.ends_with(fmt::format("_{}", unit)));
        family_ = name;
        type_ = type;
        // The text format names a family by its samples; OpenMetrics by its stem.
        std::string header(name);
        if (format_ == Format::prometheus_text && type == Type::counter) {
            header += "_total";
        } else if (format_ == Format::prometheus_text && type == Type::info) {
            header += "_info";
        }
        out_ += fmt::format("# HELP {} {}\n", header, escape_help(help, format_));
        out_ += fmt::format("# TYPE {} {}\n", header, type_name(type, format_));
        if (!unit.empty() && format_ == Format::openmetrics) {
            out_ += fmt::format("# UNIT {} {}\n", header, unit);
        }
    }

    // One sample of the current family: `suffix` after its name ("_total",
    // "_bucket", ...), `labels` after the common ones ("" or `kind="reset"`).
    void sample(std::string_view suffix, std::string_view labels, const std::string& value) {
        out_ += fmt::format("{}{}{{{}{}{}}} {}\n", family_, suffix, common_,
                            labels.empty() ? "" : ",", labels, value);
    }
    void value(const std::string& value, std::string_view labels = "") {
        sample(type_ == Type::counter ? "_total" : (type_ == Type::info ? "_info" : ""), labels,
               value);
    }
    void value(int64_t v, std::string_view labels = "") { value(number(v), labels); }
    void value(double v, std::string_view labels = "") { value(number(v), labels); }

    std::string finish() {
        if (format_ == Format::openmetrics) {
            out_ += "# EOF\n";
        }
        return std::move(out_);
    }

private:
    Format format_;
    std::string common_;
    std::string family_;
    Type type_ = Type::gauge;
    std::string out_;
};

std::string label(std::string_view key, std::string_view value) {
    return fmt::format("{}=\"{}\"", key, escape_label_value(value));
}

void write_run(Writer& w, const MetricsFrame& f) {
    // An info family is named without `_info`; its one sample carries it.
    w.family("barrage_run", Type::info, "The run: its id, and whether its load is open loop.");
    w.value(int64_t{1}, label("loop", f.closed_loop ? "closed" : "open"));
    w.family("barrage_run_warmup", Type::gauge, "1 during the warm-up (not counted), else 0.");
    w.value(int64_t{f.warmup ? 1 : 0});
    w.family("barrage_run_ended", Type::gauge, "1 once the run is over and every value is final.");
    w.value(int64_t{f.ended ? 1 : 0});
    w.family("barrage_run_elapsed_seconds", Type::gauge,
             "Time since the start, warm-up included, at the last interval.", "seconds");
    w.value(f.elapsed_s);
}

void write_request_counts(Writer& w, const MetricsFrame& f) {
    const stats::Counters& c = f.counters;
    w.family("barrage_requests_sent", Type::counter, "Requests sent (measured period).");
    w.value(c.requests_sent);
    w.family("barrage_requests_answered", Type::counter,
             "Requests whose response arrived, any status.");
    w.value(c.requests_completed);
    w.family("barrage_requests_failed", Type::counter, "Requests without a response, by kind.");
    for (int kind = 0; kind < stats::error_kind_count; ++kind) {
        w.value(c.request_failures[static_cast<std::size_t>(kind)],
                label("kind", stats::error_kind_name(static_cast<stats::ErrorKind>(kind))));
    }
    w.family("barrage_responses", Type::counter,
             "Responses by status class (other: outside 100..599).");
    for (std::size_t cls = 1; cls < c.status_class.size(); ++cls) {
        w.value(c.status_class[cls], label("class", fmt::format("{}xx", cls)));
    }
    w.value(c.status_class[0], label("class", "other"));
    w.family("barrage_requests_unfinished", Type::counter,
             "Requests still in flight when the run ended (counted at the end).");
    w.value(c.requests_unfinished);
    w.family("barrage_requests_unsent", Type::counter,
             "Open loop: arrivals scheduled before the end but never sent.");
    w.value(c.requests_unsent);
    w.family("barrage_requests_late", Type::counter,
             "Open loop: requests that waited for a free connection.");
    w.value(c.requests_late);
}

void write_connection_counts(Writer& w, const MetricsFrame& f) {
    const stats::Counters& c = f.counters;
    w.family("barrage_connection_errors", Type::counter,
             "Connections that failed to open or broke while idle, by kind.");
    for (int kind = 0; kind < stats::error_kind_count; ++kind) {
        const auto i = static_cast<std::size_t>(kind);
        w.value(c.errors[i] - c.request_failures[i],
                label("kind", stats::error_kind_name(static_cast<stats::ErrorKind>(kind))));
    }
    w.family("barrage_connections_opened", Type::counter, "Connections opened.");
    w.value(c.connections_opened);
    w.family("barrage_sent_bytes", Type::counter, "Bytes sent.", "bytes");
    w.value(c.bytes_sent);
    w.family("barrage_received_bytes", Type::counter, "Bytes received.", "bytes");
    w.value(c.bytes_received);
}

void write_names(Writer& w, const MetricsFrame& f) {
    if (f.by_name.empty()) {
        return;
    }
    w.family("barrage_name_requests_sent", Type::counter, "Requests sent, per request name.");
    for (const NameCounts& name : f.by_name) {
        w.value(name.sent, label("name", name.name));
    }
    w.family("barrage_name_requests_answered", Type::counter,
             "Requests answered, per request name.");
    for (const NameCounts& name : f.by_name) {
        w.value(name.answered, label("name", name.name));
    }
    w.family("barrage_name_requests_failed", Type::counter,
             "Requests without a response, per request name.");
    for (const NameCounts& name : f.by_name) {
        w.value(name.failed, label("name", name.name));
    }
}

void write_levels(Writer& w, const MetricsFrame& f) {
    if (f.target_rate_rps) {
        w.family("barrage_target_rate_requests_per_second", Type::gauge,
                 "Open loop: the schedule's arrivals per second in the last interval.");
        w.value(*f.target_rate_rps);
    }
    w.family("barrage_achieved_rate_requests_per_second", Type::gauge,
             "Requests sent per second in the last interval.");
    w.value(f.achieved_rate_rps);
    w.family("barrage_answered_rate_requests_per_second", Type::gauge,
             "Requests answered per second in the last interval.");
    w.value(f.answered_rate_rps);
    w.family("barrage_connections_active", Type::gauge, "Connections established now.");
    w.value(f.gauges.connections_open);
    w.family("barrage_connections_opening", Type::gauge,
             "Connections connecting or in the TLS handshake now.");
    w.value(f.gauges.connections_opening);
    if (f.closed_loop) {
        w.family("barrage_users_active", Type::gauge,
                 "Closed loop: users present now (their connection open or opening).");
        w.value(f.gauges.connections_open + f.gauges.connections_opening);
    }
    w.family("barrage_requests_in_flight", Type::gauge, "Requests sent and not finished now.");
    w.value(f.gauges.requests_in_flight);
}

void write_buckets(Writer& w, const Buckets& b) {
    for (std::size_t i = 0; i < latency_bounds_s.size(); ++i) {
        w.sample("_bucket", label("le", number(latency_bounds_s[i])), number(b.at_or_below[i]));
    }
    w.sample("_bucket", label("le", "+Inf"), number(b.count));
    w.sample("_count", "", number(b.count));
    w.sample("_sum", "", number(b.sum_s));
}

void write_quantiles(Writer& w, const Quantiles& q, const Buckets& totals) {
    for (std::size_t i = 0; i < summary_quantiles.size(); ++i) {
        w.sample("", label("quantile", number(summary_quantiles[i])), number(q[i]));
    }
    w.sample("_count", "", number(totals.count));
    w.sample("_sum", "", number(totals.sum_s));
}

void write_latency(Writer& w, const MetricsFrame& f) {
    w.family("barrage_latency_seconds", Type::histogram,
             "Answered requests: response complete - intended send.", "seconds");
    write_buckets(w, f.latency);
    w.family("barrage_judged_latency_seconds", Type::histogram,
             "Every request of the measured period, unanswered ones as +Inf "
             "(_sum: the answered ones).",
             "seconds");
    write_buckets(w, f.judged_latency);
    w.family("barrage_interval_latency_seconds", Type::summary,
             "Answered latency: quantiles of the last interval, count and sum of the run.",
             "seconds");
    write_quantiles(w, f.interval_latency, f.latency);
    w.family("barrage_interval_judged_latency_seconds", Type::summary,
             "Judged latency: quantiles of the last interval (+Inf: an unanswered request), "
             "count and sum of the run.",
             "seconds");
    write_quantiles(w, f.interval_judged_latency, f.judged_latency);
    w.family("barrage_schedule_lag_seconds", Type::histogram,
             "Open loop: actual send - intended send.", "seconds");
    write_buckets(w, f.schedule_lag);
}

void write_generator(Writer& w, const MetricsFrame& f) {
    const stats::Counters& c = f.counters;
    w.family("barrage_generator_cpu_busiest_ratio", Type::gauge,
             "The busiest worker's CPU time over the last interval's length.", "ratio");
    w.value(f.generator_cpu_max);
    w.family("barrage_generator_stalls", Type::counter,
             "Worker loop turns that woke more than 1 ms late.");
    w.value(c.stalls);
    w.family("barrage_generator_stall_seconds", Type::counter, "Total delay of those turns.",
             "seconds");
    w.value(static_cast<double>(c.stall_ns) / 1e9);
    w.family("barrage_generator_behind", Type::counter,
             "Open loop: sends later than the behind limit though a connection was free.");
    w.value(c.requests_behind);
}

}  // namespace

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string_view content_type(Format format) {
    return format == Format::openmetrics
               ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
               : "text/plain; version=0.0.4; charset=utf-8";
}

Format format_for_accept(std::string_view accept) {
    return accept.find("application/openmetrics-text") != std::string_view::npos
               ? Format::openmetrics
               : Format::prometheus_text;
}

std::string render(const MetricsFrame& frame, Format format) {
    Writer w(frame, format);
    write_run(w, frame);
    write_request_counts(w, frame);
    write_connection_counts(w, frame);
    write_names(w, frame);
    write_levels(w, frame);
    write_latency(w, frame);
    write_generator(w, frame);
    return w.finish();
}

}  // namespace barrage::live
