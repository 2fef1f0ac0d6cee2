// Result JSON -> ResultDocument with simdjson's DOM. Lenient about what is
// optional or added later, strict about what makes a document a result.

#include "barrage/report/result_reader.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>

#include "barrage/report/run_report.h"

namespace barrage::report {
namespace {

using base::Error;
using base::make_error;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

// A result is a few hundred KB at most; this bounds what `barrage report` reads
// from a path it was handed.
constexpr std::size_t result_bytes_max = 256u * 1024 * 1024;

std::optional<double> number_of(const element& value) {
    switch (value.type()) {
        case element_type::INT64:
            return static_cast<double>(int64_t(value));
        case element_type::UINT64:
            return static_cast<double>(uint64_t(value));
        case element_type::DOUBLE:
            return double(value);
        default:
            return std::nullopt;
    }
}

// Missing or non-numeric fields read as 0: figures the reader does not need
// to be exact about must not make a whole report fail.
double number_at(const object& parent, std::string_view key) {
    element value;
    if (parent[key].get(value) != simdjson::SUCCESS) {
        return 0;
    }
    return number_of(value).value_or(0);
}

int64_t integer_at(const object& parent, std::string_view key) {
    return static_cast<int64_t>(std::llround(number_at(parent, key)));
}

std::string string_at(const object& parent, std::string_view key) {
    std::string_view text;
    if (parent[key].get_string().get(text) != simdjson::SUCCESS) {
        return {};
    }
    return std::string(text);
}

bool bool_at(const object& parent, std::string_view key) {
    bool flag = false;
    return parent[key].get_bool().get(flag) == simdjson::SUCCESS && flag;
}

std::vector<std::string> strings_at(const object& parent, std::string_view key) {
    std::vector<std::string> items;
    simdjson::dom::array array;
    if (parent[key].get_array().get(array) != simdjson::SUCCESS) {
        return items;
    }
    for (element item : array) {
        std::string_view text;
        if (item.get_string().get(text) == simdjson::SUCCESS) {
            items.emplace_back(text);
        }
    }
    return items;
}

std::vector<std::pair<std::string, int64_t>> counts_of(const object& counts) {
    std::vector<std::pair<std::string, int64_t>> out;
    for (auto field : counts) {
        const auto number = number_of(field.value);
        if (number) {
            out.emplace_back(std::string(field.key), static_cast<int64_t>(std::llround(*number)));
        }
    }
    return out;
}

bool looks_like_histogram(const object& candidate) {
    element value;
    return candidate["p50"].get(value) == simdjson::SUCCESS &&
           candidate["max"].get(value) == simdjson::SUCCESS &&
           candidate["count"].get(value) == simdjson::SUCCESS;
}

HistogramFigures histogram_of(const object& figures) {
    HistogramFigures out;
    out.min_us = integer_at(figures, "min");
    out.mean_us = number_at(figures, "mean");
    out.stdev_us = number_at(figures, "stdev");
    out.p50_us = integer_at(figures, "p50");
    out.p90_us = integer_at(figures, "p90");
    out.p95_us = integer_at(figures, "p95");
    element p95;
    out.has_p95 = figures["p95"].get(p95) == simdjson::SUCCESS && number_of(p95).has_value();
    out.p99_us = integer_at(figures, "p99");
    out.p999_us = integer_at(figures, "p999");
    out.p9999_us = integer_at(figures, "p9999");
    out.max_us = integer_at(figures, "max");
    out.count = integer_at(figures, "count");
    out.clamped = integer_at(figures, "clamped");
    out.histogram_base64 = string_at(figures, "histogram");
    return out;
}

std::vector<stats::SpectrumPoint> spectrum_of(const object& latency) {
    std::vector<stats::SpectrumPoint> points;
    simdjson::dom::array array;
    if (latency["spectrum"].get_array().get(array) != simdjson::SUCCESS) {
        return points;
    }
    for (element item : array) {
        object point;
        if (item.get_object().get(point) == simdjson::SUCCESS) {
            points.push_back({number_at(point, "percentile"), integer_at(point, "value_us")});
        }
    }
    return points;
}

// Short display text of a config value: strings unquoted, the rest as compact JSON.
std::string display_text(const element& value) {
    std::string_view text;
    if (value.get_string().get(text) == simdjson::SUCCESS) {
        return std::string(text);
    }
    return simdjson::minify(value);
}

void read_status(const object& root, ResultDocument& doc) {
    object status;
    if (root["status"].get_object().get(status) != simdjson::SUCCESS) {
        return;
    }
    for (int cls = 0; cls < status_class_count; ++cls) {
        doc.status[cls] = integer_at(status, status_class_names[cls]);
    }
    object codes;
    if (status["codes"].get_object().get(codes) == simdjson::SUCCESS) {
        doc.status_codes = counts_of(codes);
    }
}

IntervalFigures interval_of(const object& row) {
    IntervalFigures out;
    out.t_s = number_at(row, "t_s");
    out.requests = integer_at(row, "requests");
    out.errors = integer_at(row, "errors");
    out.rps = number_at(row, "rps");
    out.p50_us = integer_at(row, "p50_us");
    out.p90_us = integer_at(row, "p90_us");
    out.p99_us = integer_at(row, "p99_us");
    out.p999_us = integer_at(row, "p999_us");
    out.max_us = integer_at(row, "max_us");
    out.p95_us = integer_at(row, "p95_us");
    element sent;
    out.has_sent = row["sent"].get(sent) == simdjson::SUCCESS && number_of(sent).has_value();
    out.sent = integer_at(row, "sent");
    element connections;
    out.has_connections = row["connections"].get(connections) == simdjson::SUCCESS &&
                          number_of(connections).has_value();
    out.connections = integer_at(row, "connections");
    element target;
    if (row["target_rps"].get(target) == simdjson::SUCCESS) {
        out.target_rps = number_of(target);
    }
    object errors_by_kind;
    if (row["errors_by_kind"].get_object().get(errors_by_kind) == simdjson::SUCCESS) {
        out.errors_by_kind = counts_of(errors_by_kind);
    }
    object status;
    if (row["status"].get_object().get(status) == simdjson::SUCCESS) {
        out.has_status = true;
        for (int cls = 0; cls < status_class_count; ++cls) {
            out.status[cls] = integer_at(status, status_class_names[cls]);
        }
    }
    return out;
}

// The objects of the array `key` (not an array, or an item that is not an object: skipped).
std::vector<object> objects_at(const object& parent, std::string_view key) {
    std::vector<object> out;
    simdjson::dom::array array;
    if (parent[key].get_array().get(array) != simdjson::SUCCESS) {
        return out;
    }
    for (element item : array) {
        object entry;
        if (item.get_object().get(entry) == simdjson::SUCCESS) {
            out.push_back(entry);
        }
    }
    return out;
}

void read_request_templates(const object& config, ResultDocument& doc) {
    for (const object& entry : objects_at(config, "requests")) {
        doc.requests.push_back(
            {string_at(entry, "name"), string_at(entry, "method"), string_at(entry, "url")});
    }
}

void read_phase_spans(const object& root, ResultDocument& doc) {
    for (const object& entry : objects_at(root, "phases")) {
        doc.phases.push_back(
            {string_at(entry, "name"), number_at(entry, "start_s"), number_at(entry, "end_s")});
    }
}

void read_thresholds(const object& root, ResultDocument& doc) {
    simdjson::dom::array array;
    if (root["thresholds"].get_array().get(array) != simdjson::SUCCESS) {
        return;
    }
    for (element item : array) {
        object entry;
        if (item.get_object().get(entry) != simdjson::SUCCESS) {
            continue;
        }
        ThresholdFigures threshold;
        threshold.expression = string_at(entry, "expression");
        threshold.request = string_at(entry, "request");
        threshold.metric = string_at(entry, "metric");
        threshold.comparison = string_at(entry, "operator");
        threshold.limit = number_at(entry, "limit");
        element value;
        if (entry["value"].get(value) == simdjson::SUCCESS) {
            threshold.value = number_of(value);
        }
        threshold.unit = string_at(entry, "unit");
        threshold.passed = bool_at(entry, "pass");
        threshold.unanswered = bool_at(entry, "unanswered");  // false in older documents
        threshold.phase = string_at(entry, "phase");
        if (entry["window_start_s"].get(value) == simdjson::SUCCESS) {
            threshold.window_start_s = number_of(value);
        }
        doc.thresholds.push_back(std::move(threshold));
    }
}

// requests_by_name (and transactions_by_name, the same shape): {"NAME": {numbers...,
// "latency": {histogram}}, ...}; the exact fields arrive with profiles, so every
// number is kept as a count.
void read_named(const object& root, std::string_view key, std::vector<NamedFigures>& out) {
    object by_name;
    if (root[key].get_object().get(by_name) != simdjson::SUCCESS) {
        return;
    }
    for (auto field : by_name) {
        object entry;
        if (field.value.get_object().get(entry) != simdjson::SUCCESS) {
            continue;
        }
        NamedFigures named;
        named.name = std::string(field.key);
        for (auto member : entry) {
            object nested;
            if (member.value.get_object().get(nested) == simdjson::SUCCESS) {
                if (member.key == "latency" && looks_like_histogram(nested)) {
                    named.latency = histogram_of(nested);
                }
                continue;
            }
            if (number_of(member.value)) {
                named.counts.emplace_back(std::string(member.key), display_text(member.value));
            }
        }
        out.push_back(std::move(named));
    }
}

void read_head(const object& root, ResultDocument& doc) {
    doc.version = string_at(root, "version");
    object target;
    if (root["target"].get_object().get(target) == simdjson::SUCCESS) {
        doc.target_url = string_at(target, "url");
        doc.target_address = string_at(target, "address");
    }
    doc.mode = string_at(root, "mode");
    doc.duration_s = number_at(root, "duration_s");
    doc.drain_s = number_at(root, "drain_s");
    doc.interrupted = bool_at(root, "interrupted");
    doc.throughput_rps = number_at(root, "throughput_rps");
    element rate;
    if (root["target_rate_rps"].get(rate) == simdjson::SUCCESS) {
        doc.target_rate_rps = number_of(rate);
    }
    doc.achieved_send_rate_rps = number_at(root, "achieved_send_rate_rps");
}

std::optional<double> optional_number_at(const object& parent, std::string_view key);

void read_requests(const object& requests, ResultDocument& doc) {
    doc.sent = integer_at(requests, "sent");
    doc.completed = integer_at(requests, "completed");
    doc.request_errors = integer_at(requests, "errors");
    doc.responses_failed = integer_at(requests, "responses_failed");
    doc.late = integer_at(requests, "late");
    doc.unsent = integer_at(requests, "unsent");
    doc.unfinished = integer_at(requests, "unfinished");
    // requests.unanswered: {"total": N, "failed": {...}, ...}, or a plain count.
    element unanswered;
    if (requests["unanswered"].get(unanswered) == simdjson::SUCCESS) {
        object parts;
        const auto total = unanswered.get_object().get(parts) == simdjson::SUCCESS
                               ? optional_number_at(parts, "total")
                               : number_of(unanswered);
        if (total) {
            doc.unanswered = static_cast<int64_t>(std::llround(*total));
        }
    }
}

void read_histograms(const object& root, ResultDocument& doc) {
    for (auto field : root) {
        object figures;
        if (field.value.get_object().get(figures) == simdjson::SUCCESS &&
            looks_like_histogram(figures)) {
            doc.histograms.emplace_back(std::string(field.key), histogram_of(figures));
            if (field.key == "latency") {
                doc.spectrum = spectrum_of(figures);
            }
        }
    }
}

void read_lists(const object& root, ResultDocument& doc) {
    read_status(root, doc);
    object errors;
    if (root["errors"].get_object().get(errors) == simdjson::SUCCESS) {
        doc.errors = counts_of(errors);
    }
    doc.error_details = strings_at(root, "error_details");
    doc.warnings = strings_at(root, "warnings");
    object config;
    if (root["config"].get_object().get(config) == simdjson::SUCCESS) {
        for (auto field : config) {
            if (field.key != "requests") {
                doc.config.emplace_back(std::string(field.key), display_text(field.value));
            }
        }
        read_request_templates(config, doc);
    }
    read_phase_spans(root, doc);
    read_thresholds(root, doc);
    read_named(root, "requests_by_name", doc.requests_by_name);
    read_named(root, "transactions_by_name", doc.transactions_by_name);
}

// A number, or none when the field is absent, null or not a number.
std::optional<double> optional_number_at(const object& parent, std::string_view key) {
    element value;
    if (parent[key].get(value) != simdjson::SUCCESS) {
        return std::nullopt;
    }
    return number_of(value);
}

// A count the source could not give is null in the JSON and -1 in memory.
int64_t count_at(const object& parent, std::string_view key) {
    const std::optional<double> value = optional_number_at(parent, key);
    return value ? static_cast<int64_t>(std::llround(*value)) : -1;
}

watch::TargetWatch watch_target_of(const object& entry) {
    watch::TargetWatch target;
    target.name = string_at(entry, "name");
    target.kind = string_at(entry, "kind");
    object growth;
    if (entry["growth"].get_object().get(growth) == simdjson::SUCCESS) {
        target.growth.rss_mb_per_min = optional_number_at(growth, "rss_mb_per_min");
        target.growth.fds_per_min = optional_number_at(growth, "fds_per_min");
        target.growth.threads_per_min = optional_number_at(growth, "threads_per_min");
    }
    target.growth.still_climbing = bool_at(entry, "still_climbing");
    target.growth.leak_suspected = bool_at(entry, "leak_suspected");
    target.exited_at_s = optional_number_at(entry, "exited_at_s");
    simdjson::dom::array samples;
    if (entry["samples"].get_array().get(samples) == simdjson::SUCCESS) {
        for (element item : samples) {
            object sample;
            if (item.get_object().get(sample) != simdjson::SUCCESS) {
                continue;
            }
            watch::ResourceSample out;
            out.t_s = number_at(sample, "t_s");
            out.rss_bytes = count_at(sample, "rss_bytes");
            out.cpu_s = optional_number_at(sample, "cpu_s").value_or(-1);
            out.fds = count_at(sample, "fds");
            out.threads = count_at(sample, "threads");
            target.samples.push_back(out);
        }
    }
    return target;
}

// scrape.series[]: {"key": ..., "points": [[t_s, value or null], ...]}.
watch::ScrapedSeries scraped_series_of(const object& entry) {
    watch::ScrapedSeries series;
    series.key = string_at(entry, "key");
    simdjson::dom::array points;
    if (entry["points"].get_array().get(points) != simdjson::SUCCESS) {
        return series;
    }
    for (element item : points) {
        simdjson::dom::array pair;
        element time;
        element value;
        if (item.get_array().get(pair) != simdjson::SUCCESS ||
            pair.at(0).get(time) != simdjson::SUCCESS ||
            pair.at(1).get(value) != simdjson::SUCCESS || !number_of(time)) {
            continue;
        }
        series.t_s.push_back(*number_of(time));
        series.values.push_back(
            number_of(value).value_or(std::numeric_limits<double>::quiet_NaN()));
    }
    return series;
}

void read_scrape(const object& scrape, watch::WatchResult& watch) {
    watch.url = string_at(scrape, "url");
    watch.scrapes = integer_at(scrape, "scrapes");
    watch.scrape_failures = integer_at(scrape, "failures");
    watch.series_dropped = integer_at(scrape, "series_dropped");
    watch.scrape_error_first = string_at(scrape, "first_error");
    simdjson::dom::array series;
    if (scrape["series"].get_array().get(series) != simdjson::SUCCESS) {
        return;
    }
    for (element item : series) {
        object entry;
        if (item.get_object().get(entry) == simdjson::SUCCESS) {
            watch.series.push_back(scraped_series_of(entry));
        }
    }
}

// `watch`, as detail::write_watch writes it (watch_report.cc).
void read_watch(const object& root, ResultDocument& doc) {
    object section;
    if (root["watch"].get_object().get(section) != simdjson::SUCCESS) {
        return;
    }
    watch::WatchResult watch;
    object limits;
    if (section["limits"].get_object().get(limits) == simdjson::SUCCESS) {
        watch.limits.rss_mb_per_min = number_at(limits, "rss_mb_per_min");
        watch.limits.fds_per_min = number_at(limits, "fds_per_min");
        watch.limits.threads_per_min = number_at(limits, "threads_per_min");
    }
    simdjson::dom::array targets;
    if (section["targets"].get_array().get(targets) == simdjson::SUCCESS) {
        for (element item : targets) {
            object entry;
            if (item.get_object().get(entry) == simdjson::SUCCESS) {
                watch.targets.push_back(watch_target_of(entry));
            }
        }
    }
    object scrape;
    if (section["scrape"].get_object().get(scrape) == simdjson::SUCCESS) {
        read_scrape(scrape, watch);
    }
    doc.watch = std::move(watch);
}

Error not_a_result(std::string_view source, std::string_view why) {
    return make_error(
        fmt::format("{}: not a barrage result ({}); expected the JSON written by "
                    "'barrage run --json FILE'",
                    source, why));
}

// The fields without which there is nothing to report.
base::Status check_identity(const object& root, std::string_view source) {
    const std::string tool = string_at(root, "tool");
    if (tool != "barrage") {
        return not_a_result(
            source, tool.empty() ? "no \"tool\" field" : fmt::format("\"tool\" is '{}'", tool));
    }
    const std::string schema = string_at(root, "schema_version");
    if (schema != json_schema_version) {
        return make_error(
            fmt::format("{}: schema_version '{}' is not supported; this barrage "
                        "reads schema_version '{}'",
                        source, schema, json_schema_version));
    }
    for (const char* key : {"requests", "latency"}) {
        object section;
        if (root[key].get_object().get(section) != simdjson::SUCCESS) {
            return not_a_result(source, fmt::format("no \"{}\" object", key));
        }
    }
    object latency;
    if (root["latency"].get_object().get(latency) != simdjson::SUCCESS ||
        !looks_like_histogram(latency)) {
        return not_a_result(source, "\"latency\" lacks p50, max or count");
    }
    simdjson::dom::array intervals;
    if (root["intervals"].get_array().get(intervals) != simdjson::SUCCESS) {
        return not_a_result(source, "no \"intervals\" array");
    }
    return base::Ok{};
}

// The numbers a comparison cannot do without; read leniently as 0 above, so
// recorded here for the consumers that must not guess.
void check_headline_numbers(const element& root, ResultDocument& doc) {
    constexpr std::array<std::string_view, 11> headline{
        "latency/p50",   "latency/p90",        "latency/p99",    "latency/p999",
        "latency/p9999", "latency/max",        "latency/mean",   "throughput_rps",
        "duration_s",    "requests/completed", "requests/errors"};
    for (const std::string_view field : headline) {
        element value;
        const bool present =
            root.at_pointer(fmt::format("/{}", field)).get(value) == simdjson::SUCCESS;
        if (!present || !number_of(value)) {
            doc.headline_problems.push_back({std::string(field), present});
        }
    }
}

}  // namespace

std::optional<double> NamedFigures::count(std::string_view key) const {
    for (const auto& [field, text] : counts) {
        double number = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
        if (field == key && error == std::errc{} && end == text.data() + text.size()) {
            return number;
        }
    }
    return std::nullopt;
}

const HistogramFigures& ResultDocument::latency() const {
    for (const auto& [name, figures] : histograms) {
        if (name == "latency") {
            return figures;
        }
    }
    BARRAGE_ASSERT_MSG(false, "a ResultDocument without latency");
    return histograms.front().second;
}

base::Result<ResultDocument> read_result_document(std::string_view text, std::string_view source) {
    simdjson::dom::parser parser;
    element root_element;
    const auto error = parser.parse(simdjson::padded_string(text)).get(root_element);
    if (error != simdjson::SUCCESS) {
        return not_a_result(source,
                            fmt::format("invalid JSON: {}", simdjson::error_message(error)));
    }
    object root;
    if (root_element.get_object().get(root) != simdjson::SUCCESS) {
        return not_a_result(source, "the document is not a JSON object");
    }
    if (auto status = check_identity(root, source); !status.ok()) {
        return status.error();
    }
    ResultDocument doc;
    doc.schema_version = json_schema_version;
    read_head(root, doc);
    object requests;
    const bool has_requests = root["requests"].get_object().get(requests) == simdjson::SUCCESS;
    BARRAGE_ASSERT(has_requests);  // checked by check_identity
    read_requests(requests, doc);
    read_histograms(root, doc);
    read_lists(root, doc);
    read_watch(root, doc);
    check_headline_numbers(root_element, doc);
    simdjson::dom::array intervals;
    const bool has_intervals = root["intervals"].get_array().get(intervals) == simdjson::SUCCESS;
    BARRAGE_ASSERT(has_intervals);  // checked by check_identity
    for (element item : intervals) {
        object row;
        if (item.get_object().get(row) == simdjson::SUCCESS) {
            doc.intervals.push_back(interval_of(row));
        }
    }
    return doc;
}

base::Result<std::string> read_text_file(const std::string& path) {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) {
        return make_error(fmt::format("cannot read '{}': {}", path, std::strerror(errno)));
    }
    std::string text;
    char buffer[64 * 1024];
    std::size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof buffer, file)) > 0 &&
           text.size() <= result_bytes_max) {
        text.append(buffer, got);
    }
    const bool failed = std::ferror(file) != 0;
    const int saved_errno = errno;
    std::fclose(file);
    if (failed) {
        return make_error(fmt::format("cannot read '{}': {}", path, std::strerror(saved_errno)));
    }
    if (text.size() > result_bytes_max) {
        return make_error(
            fmt::format("cannot read '{}': larger than {} MiB", path, result_bytes_max >> 20));
    }
    return text;
}

base::Result<ResultDocument> read_result_document_file(const std::string& path) {
    auto text = read_text_file(path);
    if (!text.ok()) {
        return text.error();
    }
    return read_result_document(text.value(), path);
}

}  // namespace barrage::report
