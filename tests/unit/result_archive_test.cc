// The result archive (report/result_archive.h) and the sum of shard results
// (stats/result_sum.h): what `barrage merge` stands on.

#include "barrage/report/result_archive.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "barrage/report/run_report.h"
#include "barrage/stats/hlog.h"
#include "barrage/stats/result_sum.h"
#include "test_support.h"

using barrage::plan::RunPlan;
using barrage::report::format_json;
using barrage::report::read_archive;
using barrage::stats::ErrorKind;
using barrage::stats::Histogram;
using barrage::stats::IntervalRow;
using barrage::stats::RunResult;
using barrage::test::contains;

namespace {

RunPlan profile_plan() {
    RunPlan plan;
    plan.target.host = "127.0.0.1";
    plan.target.port = 8080;
    plan.target.host_header = "127.0.0.1:8080";
    plan.target.address_text = "127.0.0.1:8080";
    plan.profile_path = "shop.toml";
    plan.requests = {{.name = "login",
                      .method = "POST",
                      .headers = {{"X-A", "b \"c\""}},
                      .body = "{\"user\":1}"},
                     {.name = "browse"}};
    plan.session.steps = {0, 1};
    plan.phases = {{.name = "warm",
                    .kind = barrage::plan::PhaseKind::constant,
                    .warmup = true,
                    .duration_ns = 2'000'000'000,
                    .rate_per_s = 50},
                   {.name = "climb",
                    .kind = barrage::plan::PhaseKind::ramp,
                    .duration_ns = 3'000'000'000,
                    .rate_per_s = 100,
                    .rate_end_per_s = 300},
                   {.name = "hold",
                    .kind = barrage::plan::PhaseKind::constant,
                    .duration_ns = 2'500'000'000,
                    .rate_per_s = 300}};
    plan.main_phase = 2;
    plan.connections = 12;
    plan.threads = 2;
    plan.cpus = {0, 1};
    plan.timeout_ns = 3'000'000'000;
    plan.command_line = "barrage run shop.toml --shard 1/2";
    plan.outputs.thresholds = {
        {.expression = "p99 < 1s", .origin = "shop.toml:9:1"},
        {.expression = "error_rate < 1%", .abort = true, .origin = "--abort-threshold"}};
    return plan;
}

// A row of `count` latencies from `first_us` on, its histogram kept as the engine keeps it.
IntervalRow row_of(double t_s, int64_t first_us, int64_t count) {
    Histogram latency = Histogram::for_latency_us();
    for (int64_t i = 0; i < count; ++i) {
        latency.record_value(first_us + i);
    }
    IntervalRow row;
    row.t_s = t_s;
    row.length_s = 1;
    row.counters.requests_sent = count;
    row.counters.requests_completed = count;
    row.counters.status_class[2] = count;
    row.latency_p50_us = latency.value_at_percentile(50);
    row.latency_p90_us = latency.value_at_percentile(90);
    row.latency_p99_us = latency.value_at_percentile(99);
    row.latency_p999_us = latency.value_at_percentile(99.9);
    row.latency_max_us = latency.max();
    row.latency_p95_us = latency.value_at_percentile(95);
    row.generator_cpu_max = 0.125;
    row.connections_open = count / 10;
    row.latency_us_hlog = barrage::stats::encode_histogram_compressed_base64(latency);
    return row;
}

// Two request names with checks, a task, phases, odd doubles and a clamped latency.
RunResult shard_result(int64_t first_us, int64_t count) {
    RunResult result;
    auto& c = result.totals.counters;
    c.requests_sent = count + 3;
    c.requests_completed = count;
    c.requests_errors = 2;
    c.requests_unfinished = 1;
    c.count_request_failure(ErrorKind::timeout);
    c.count_request_failure(ErrorKind::reset);
    c.count_error(ErrorKind::connect);
    c.stall_ns = 123'456;
    c.bytes_received = 987'654'321;
    for (int64_t i = 0; i < count; ++i) {
        c.count_status(i % 7 == 0 ? 503 : 200);
        result.totals.latency_us.record_value(first_us + i);
    }
    result.totals.latency_us.record_value(Histogram::latency_us_highest_trackable + 5);
    result.totals.service_time_us.record_value(first_us);
    result.totals.connect_time_us.record_value(77);
    result.totals.by_name.emplace_back(2, 0);
    result.totals.by_name.emplace_back(0, 1);
    result.totals.by_name[0].sent = count;
    result.totals.by_name[0].check_failures = {3, 1};
    result.totals.by_name[0].latency_us.record_value(first_us);
    result.totals.by_transaction.emplace_back(0);
    result.totals.by_transaction[0].sent = 4;
    result.totals.by_transaction[0].latency_us.record_value(5000);
    result.requests = {{"login", {"status", "json"}, {"token"}}, {"browse", {}, {}}};
    result.transactions = {{"checkout", {"poll until done (10 tries)"}}};
    result.phases.push_back({.name = "climb", .start_s = 0, .end_s = 3});
    result.phases.back().counters.requests_sent = count;
    result.phases.back().latency_us.record_value(first_us);
    result.intervals = {row_of(1, first_us, count / 2), row_of(2, first_us + 10, count / 2)};
    result.duration_s = 5.500000000000001;
    result.drain_s = 0.1;
    result.asked_rate_rps = 1.0 / 3.0;
    result.measured_start_unix_ms = 1'764'689'224'123;
    result.connections_target = 6;
    result.connections_established_max = 5;
    result.threads = 1;
    result.cpus = {3};
    result.worker_cpu_s = {0.1 + 0.2};
    result.behind_limit_us = 2000;
    result.warnings = {"a warning"};
    result.error_details = {"timeout: no response within 3s"};
    return result;
}

}  // namespace

TEST_SUITE("result archive") {
    TEST_CASE("a result read back from its archive writes the very same document") {
        const RunPlan plan = profile_plan();
        const RunResult result = shard_result(100, 40);
        const std::string json = format_json(plan, result);
        auto archived = read_archive(json, "shard.json");
        REQUIRE_MESSAGE(archived.ok(), archived.error().message);
        const RunResult& back = archived.value().result;
        CHECK(format_json(archived.value().plan, back) == json);
        CHECK(back.totals.latency_us.count_clamped() == 1);
        CHECK(back.totals.counters.status_code[503] == result.totals.counters.status_code[503]);
        CHECK(back.worker_cpu_s == result.worker_cpu_s);  // doubles exact
        CHECK(back.duration_s == result.duration_s);
        CHECK(back.intervals[1].latency_us_hlog == result.intervals[1].latency_us_hlog);
        CHECK(back.intervals[1].connections_open == 2);  // 40 / 2 per row, / 10
        CHECK(archived.value().plan.outputs.thresholds.size() == 2);
        CHECK(archived.value().plan.outputs.thresholds[1].abort);
        CHECK_FALSE(back.shard.has_value());
    }

    TEST_CASE("the timer slack's mode reads back; an archive from before auto reads as fixed") {
        RunPlan plan = profile_plan();
        plan.timer_slack_auto = false;
        plan.timer_slack_ns = 0;
        auto fixed = read_archive(format_json(plan, shard_result(100, 40)), "fixed.json");
        REQUIRE_MESSAGE(fixed.ok(), fixed.error().message);
        CHECK_FALSE(fixed.value().plan.timer_slack_auto);
        CHECK(fixed.value().plan.timer_slack_ns == 0);
        std::string older = format_json(profile_plan(), shard_result(100, 40));
        const std::string key = "\"timer_slack_auto\": true,";
        REQUIRE(older.find(key) != std::string::npos);
        older.erase(older.find(key), key.size());
        auto read = read_archive(older, "older.json");
        REQUIRE_MESSAGE(read.ok(), read.error().message);
        CHECK_FALSE(read.value().plan.timer_slack_auto);
    }

    TEST_CASE("the pipeline depth and the re-sent count come back from the archive") {
        RunPlan plan = profile_plan();
        plan.pipeline = 16;
        RunResult result = shard_result(100, 40);
        result.totals.counters.requests_resent = 7;
        const std::string json = format_json(plan, result);
        auto archived = read_archive(json, "shard.json");
        REQUIRE_MESSAGE(archived.ok(), archived.error().message);
        CHECK(archived.value().plan.pipeline == 16);
        CHECK(archived.value().result.totals.counters.requests_resent == 7);
        CHECK(format_json(archived.value().plan, archived.value().result) == json);
    }

    TEST_CASE("a profile with scenarios and tasks reads back to the very same document") {
        RunPlan plan = profile_plan();
        plan.phases.clear();
        plan.tasks = {{.name = "checkout", .steps = {{.request = 0}}}};
        plan.scenarios = {
            {.name = "shoppers",
             .tags = {"web"},
             .session = {.steps = {0}, .tasks = plan.tasks},
             .phases = {{.name = "browse",
                         .kind = barrage::plan::PhaseKind::users,
                         .duration_ns = 4'000'000'000,
                         .users = 3,
                         .spawn_per_s = 1.5}},
             .start_ns = 500'000'000,
             .connections = 3},
            {.name = "bots",
             .session = {.steps = {1}},
             .phases = {{.name = "poll", .duration_ns = 3'000'000'000, .rate_per_s = 20}},
             .connections = 2}};
        RunResult result = shard_result(100, 20);
        result.scenarios = {{"shoppers", {"web"}, result.totals}, {"bots", {}, result.totals}};
        const std::string json = format_json(plan, result);
        auto archived = read_archive(json, "scenarios.json");
        REQUIRE_MESSAGE(archived.ok(), archived.error().message);
        CHECK(format_json(archived.value().plan, archived.value().result) == json);
        CHECK(archived.value().plan.scenarios[0].start_ns == 500'000'000);
        CHECK(archived.value().result.scenarios[1].totals.by_name.size() == 2);
    }

    TEST_CASE("the document's shard object is read with the archive") {
        std::string json = format_json(profile_plan(), shard_result(100, 4));
        const std::string shard =
            "\"shard\": {\"index\": 2, \"count\": 3, \"test_id\": \"ab12\", \"source\": "
            "\"flag\", \"start_at_unix_ns\": 5, \"started_unix_ns\": 7},\n  \"tool\"";
        json.replace(json.find("\"tool\""), 6, shard);
        auto archived = read_archive(json, "s.json");
        REQUIRE_MESSAGE(archived.ok(), archived.error().message);
        REQUIRE(archived.value().result.shard.has_value());
        CHECK(archived.value().result.shard->index == 2);
        CHECK(archived.value().result.shard->test_id == "ab12");
        CHECK(archived.value().result.shard->started_unix_ns == 7);
    }

    TEST_CASE("a document without an archive, or not a result, is refused with why") {
        std::string json = format_json(profile_plan(), shard_result(100, 4));
        const std::size_t at = json.find("\"archive\"");
        REQUIRE(at != std::string::npos);
        const std::string old = json.substr(0, at) + "\"old\": 1\n}\n";
        auto without = read_archive(old, "old.json");
        REQUIRE_FALSE(without.ok());
        CHECK(contains(without.error().message, "old.json: has no 'archive'"));
        CHECK(contains(without.error().message, "written by barrage"));
        auto other = read_archive("{\"tool\": \"wrk\"}", "wrk.json");
        REQUIRE_FALSE(other.ok());
        CHECK(contains(other.error().message, "wrk.json: not a barrage result"));
        CHECK_FALSE(read_archive("[1, 2", "broken.json").ok());
    }

    TEST_CASE("a damaged count is named by its path") {
        std::string json = format_json(profile_plan(), shard_result(100, 4));
        const std::size_t at =
            json.find("\"completed\"", json.find("\"by_name\"", json.find("\"archive\"")));
        json.replace(at, 11, "\"complete\"");
        auto archived = read_archive(json, "bad.json");
        REQUIRE_FALSE(archived.ok());
        CHECK(contains(archived.error().message,
                       "bad.json: archive/totals/by_name/0: 'completed' is missing"));
    }

    TEST_CASE("an array or object of the wrong type is refused, not walked") {
        // archive_fuzz's first find: a by_name that is not an array was iterated.
        std::string json = format_json(profile_plan(), shard_result(100, 4));
        const std::size_t at = json.find("\"by_name\"", json.find("\"archive\""));
        json.replace(at, 10, "\"by_name\": 7, \"by_name_was\":");
        auto archived = read_archive(json, "bad.json");
        REQUIRE_FALSE(archived.ok());
        CHECK(contains(archived.error().message, "by_name"));
        std::string no_totals = format_json(profile_plan(), shard_result(100, 4));
        const std::size_t totals = no_totals.find("\"totals\"", no_totals.find("\"archive\""));
        no_totals.replace(totals, 9, "\"totals\": 1, \"totals_was\":");
        CHECK_FALSE(read_archive(no_totals, "bad.json").ok());
    }
}

TEST_SUITE("result sum") {
    TEST_CASE("counts add and every histogram is the union of the parts'") {
        const std::vector<RunResult> parts{shard_result(100, 40), shard_result(3000, 60)};
        auto sum = barrage::stats::sum_run_results(parts, 1'000'000'000);
        REQUIRE_MESSAGE(sum.ok(), sum.error().message);
        const RunResult& whole = sum.value();
        CHECK(whole.totals.counters.requests_sent == 40 + 3 + 60 + 3);
        CHECK(whole.totals.counters.status_code[200] ==
              parts[0].totals.counters.status_code[200] +
                  parts[1].totals.counters.status_code[200]);
        Histogram both = parts[0].totals.latency_us;
        both.add(parts[1].totals.latency_us);
        CHECK(whole.totals.latency_us.value_at_percentile(50) == both.value_at_percentile(50));
        CHECK(whole.totals.latency_us.value_at_percentile(99) == both.value_at_percentile(99));
        CHECK(whole.totals.latency_us.count_clamped() == 2);
        CHECK(whole.totals.by_name[0].check_failures == std::vector<int64_t>{6, 2});
        CHECK(whole.totals.by_transaction[0].sent == 8);
        CHECK(whole.phases.size() == 1);
        CHECK(whole.phases[0].counters.requests_sent == 100);
        CHECK(whole.connections_established_max == 10);
        CHECK(whole.worker_cpu_s.size() == 2);
        CHECK(*whole.asked_rate_rps == doctest::Approx(2.0 / 3.0));
        CHECK(whole.warnings == std::vector<std::string>{"a warning"});  // once
        REQUIRE(whole.intervals.size() == 2);
        CHECK(whole.intervals[0].counters.requests_completed == 20 + 30);
        CHECK(whole.intervals[0].connections_open == 2 + 3);  // each shard's connections add
        Histogram first = Histogram::for_latency_us();
        for (int64_t us : {100, 3000}) {
            for (int64_t i = 0; i < (us == 100 ? 20 : 30); ++i) {
                first.record_value(us + i);
            }
        }
        CHECK(whole.intervals[0].latency_p50_us == first.value_at_percentile(50));
        CHECK(whole.intervals[0].latency_max_us == first.max());
    }

    TEST_CASE("a shard that started an interval later adds into the next rows") {
        std::vector<RunResult> parts{shard_result(100, 40), shard_result(100, 40)};
        parts[0].shard =
            barrage::stats::ShardInfo{.index = 1, .count = 2, .started_unix_ns = 1'000'000'000'000};
        parts[1].shard =
            barrage::stats::ShardInfo{.index = 2, .count = 2, .started_unix_ns = 1'001'000'300'000};
        auto sum = barrage::stats::sum_run_results(parts, 1'000'000'000);
        REQUIRE(sum.ok());
        const RunResult& whole = sum.value();
        REQUIRE(whole.intervals.size() == 3);
        CHECK(whole.intervals[0].counters.requests_completed == 20);
        CHECK(whole.intervals[1].counters.requests_completed == 40);
        CHECK(whole.intervals[2].counters.requests_completed == 20);
        CHECK(whole.intervals[2].t_s == doctest::Approx(3.0));
        CHECK(whole.duration_s == doctest::Approx(1.0003 + 5.5));
        CHECK(whole.warnings ==
              std::vector<std::string>{"shard 1/2: a warning", "shard 2/2: a warning"});
    }

    TEST_CASE("results of different requests do not sum") {
        std::vector<RunResult> parts{shard_result(100, 4), shard_result(100, 4)};
        parts[1].requests[1].name = "search";
        auto sum = barrage::stats::sum_run_results(parts, 1'000'000'000);
        REQUIRE_FALSE(sum.ok());
        CHECK(contains(sum.error().message, "not the same test"));
    }
}
