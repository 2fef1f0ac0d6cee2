// --history lines and the trend table.

#include "barrage/report/history.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "test_support.h"

namespace {

barrage::stats::RunResult sample_result(int64_t latency_us, int64_t completed) {
    barrage::stats::RunResult result;
    result.totals.latency_us.record_values(latency_us, completed);
    result.totals.counters.requests_completed = completed;
    result.totals.counters.requests_errors = 1;
    result.duration_s = 2;
    return result;
}

}  // namespace

TEST_CASE("a history line carries time, label, target and the key metrics on one line") {
    barrage::plan::RunPlan plan;
    plan.target.host_header = "127.0.0.1:8080";
    plan.outputs.label = "abc123 \"quoted\"";
    const auto entry =
        barrage::report::make_history_entry(plan, sample_result(1000, 99), {}, 1'764'689'505'000);
    const std::string line = barrage::report::format_history_line(entry);
    CHECK(line.back() == '\n');
    CHECK(line.find('\n') == line.size() - 1);
    CHECK(line.find("\"time\":\"2025-12-02T15:31:45Z\"") != std::string::npos);
    CHECK(line.find("\"label\":\"abc123 \\\"quoted\\\"\"") != std::string::npos);
    CHECK(line.find("\"target\":\"http://127.0.0.1:8080/\"") != std::string::npos);
    CHECK(line.find("\"rps\":49.5") != std::string::npos);
    CHECK(line.find("\"error_rate\":0.01,") != std::string::npos);
    CHECK(line.find("\"p99_us\":1000") != std::string::npos);
    CHECK(line.find("\"thresholds\":null") != std::string::npos);

    auto read = barrage::report::read_history(line + "\n" + line, "h.jsonl");
    REQUIRE(read.ok());
    REQUIRE(read.value().size() == 2);
    CHECK(read.value()[0].label == plan.outputs.label);
    CHECK(read.value()[0].p99_us == 1000);
    CHECK(read.value()[0].rps == 49.5);
    CHECK_FALSE(read.value()[0].thresholds_passed.has_value());
}

TEST_CASE("appending twice keeps both lines and the trend shows the change") {
    const barrage::test::ScratchDirectory dir("barrage-history");
    const std::string path = dir.file("history.jsonl");
    barrage::plan::RunPlan plan;
    plan.outputs.label = "v1";
    auto first = barrage::report::make_history_entry(plan, sample_result(1000, 199), {}, 0);
    plan.outputs.label = "v2";
    auto second = barrage::report::make_history_entry(plan, sample_result(2000, 99), {}, 60'000);
    second.thresholds_passed = false;
    REQUIRE(barrage::report::append_history_line(path, barrage::report::format_history_line(first))
                .ok());
    REQUIRE(barrage::report::append_history_line(path, barrage::report::format_history_line(second))
                .ok());
    auto entries = barrage::report::read_history_file(path);
    REQUIRE(entries.ok());
    REQUIRE(entries.value().size() == 2);
    const std::string trend = barrage::report::format_trend(entries.value());
    CHECK(trend.find("1970-01-01T00:00:00Z v1") != std::string::npos);
    CHECK(trend.find("2.00ms (+100%)") != std::string::npos);
    CHECK(trend.find("49.5 (-50%)") != std::string::npos);
    CHECK(trend.find("FAIL") != std::string::npos);
    CHECK(trend.find("2 runs") != std::string::npos);
}

TEST_CASE("a broken history line is reported with its line number") {
    auto bad = barrage::report::read_history("\n{\"time\":\"t\"}\n{oops\n", "h.jsonl");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("h.jsonl:3: not a history line") == 0);
    auto foreign = barrage::report::read_history("{\"a\":1}\n", "h.jsonl");
    REQUIRE_FALSE(foreign.ok());
    CHECK(foreign.error().message.find("h.jsonl:1:") == 0);
    CHECK_FALSE(barrage::report::read_history_file("/nonexistent/h.jsonl").ok());
    CHECK(barrage::report::append_history_line("/nonexistent/dir/h.jsonl", "x\n")
              .error()
              .message.find("cannot write --history file") == 0);
}

TEST_CASE("the trend table has a header and one row per run with the change from the previous") {
    std::vector<barrage::report::HistoryEntry> entries(2);
    entries[0].time = "2026-12-02T15:00:00Z";
    entries[0].label = "a label longer than fifteen characters";
    entries[0].rps = 1000;
    entries[0].p99_us = 500;
    entries[0].thresholds_passed = true;
    entries[1].time = "2026-12-02T16:00:00Z";
    entries[1].rps = 1100;
    entries[1].error_rate = 0.0125;
    entries[1].p99_us = 1500;
    const auto rows = barrage::report::trend_table(entries);
    REQUIRE(rows.size() == 3);
    CHECK(rows[0] ==
          std::vector<std::string>{"time", "label", "rps", "errors", "p50", "p99", "max", "gates"});
    CHECK(rows[1][1] == "a label longer than fifteen characters");  // whole; the text cuts it
    CHECK(rows[1][2] == "1000.0");
    CHECK(rows[1][7] == "pass");
    CHECK(rows[2][1] == "-");
    CHECK(rows[2][2] == "1100.0 (+10%)");
    CHECK(rows[2][3] == "1.25%");
    CHECK(rows[2][5] == "1.50ms (+200%)");
    CHECK(rows[2][7] == "-");
    const std::string text = barrage::report::format_trend(entries);
    CHECK(text.find("a label longer  ") != std::string::npos);  // 15 characters in a column
    CHECK(text.find("a label longer t") == std::string::npos);
    CHECK(barrage::report::trend_table({}).size() == 1);
}

namespace {

barrage::watch::TargetWatch target_growing(double rss, std::optional<double> fds, double threads,
                                           bool leak) {
    barrage::watch::TargetWatch target;
    target.name = "pid 1 (x)";
    target.kind = "pid";
    target.growth.rss_mb_per_min = rss;
    target.growth.fds_per_min = fds;
    target.growth.threads_per_min = threads;
    target.growth.leak_suspected = leak;
    return target;
}

}  // namespace

TEST_CASE("a watched run's line has the worst growth of its targets, an unwatched one nulls") {
    barrage::plan::RunPlan plan;
    barrage::watch::WatchResult watch;
    watch.targets = {target_growing(1.25, 3.0, 0.0, false),
                     target_growing(750.0004, std::nullopt, -0.5, true)};
    const auto entry =
        barrage::report::make_history_entry(plan, sample_result(1000, 99), {}, 0, &watch);
    CHECK(entry.rss_mb_per_min == 750.0);  // the largest, rounded to 3 decimals
    CHECK(entry.fds_per_min == 3.0);       // the one target that has it
    CHECK(entry.threads_per_min == 0.0);
    CHECK(entry.leak_suspected == true);
    const std::string line = barrage::report::format_history_line(entry);
    CHECK(line.find("\"thresholds\":null,\"rss_mb_per_min\":750,\"fds_per_min\":3,"
                    "\"threads_per_min\":0,\"leak_suspected\":true,") != std::string::npos);
    auto read = barrage::report::read_history(line, "h.jsonl");
    REQUIRE(read.ok());
    CHECK(read.value()[0].rss_mb_per_min == 750.0);
    CHECK(read.value()[0].fds_per_min == 3.0);
    CHECK(read.value()[0].leak_suspected == true);

    // A scrape alone watches no process or cgroup: nulls, like no watch at all.
    barrage::watch::WatchResult url_only;
    url_only.url = "http://127.0.0.1:9100/metrics";
    for (const barrage::watch::WatchResult* none :
         {&url_only, static_cast<barrage::watch::WatchResult*>(nullptr)}) {
        const auto plain =
            barrage::report::make_history_entry(plan, sample_result(1000, 99), {}, 0, none);
        const std::string plain_line = barrage::report::format_history_line(plain);
        CHECK(plain_line.find("\"rss_mb_per_min\":null,\"fds_per_min\":null,"
                              "\"threads_per_min\":null,\"leak_suspected\":null,"
                              "\"rss_max_mb\":null,\"rss_initial_mb\":null,"
                              "\"target_cpu\":null}") != std::string::npos);
        auto back = barrage::report::read_history(plain_line, "h.jsonl");
        REQUIRE(back.ok());
        CHECK_FALSE(back.value()[0].watched());
        CHECK_FALSE(back.value()[0].rss_mb_per_min.has_value());
    }
}

TEST_CASE("older history lines without growth read as unwatched") {
    auto read = barrage::report::read_history(
        "{\"time\":\"2026-12-02T15:00:00Z\",\"rps\":10,\"p99_us\":5,\"thresholds\":null}\n",
        "h.jsonl");
    REQUIRE(read.ok());
    CHECK_FALSE(read.value()[0].watched());
    CHECK(barrage::report::trend_table(read.value())[0].size() == 8);
}

TEST_CASE("the trend shows growth columns when any run watched a target, '-' where it did not") {
    std::vector<barrage::report::HistoryEntry> entries(3);
    entries[0].time = "2026-12-02T15:00:00Z";
    entries[1].time = "2026-12-02T16:00:00Z";
    entries[1].rss_mb_per_min = 12.54;
    entries[1].fds_per_min = 0.0;
    entries[1].leak_suspected = true;
    entries[2].time = "2026-12-02T17:00:00Z";
    entries[2].rss_mb_per_min = -0.25;
    entries[2].threads_per_min = 0.0;
    entries[2].leak_suspected = false;
    const auto rows = barrage::report::trend_table(entries);
    REQUIRE(rows.size() == 4);
    CHECK(rows[0] == std::vector<std::string>{"time", "label", "rps", "errors", "p50", "p99", "max",
                                              "gates", "rss/min", "fds/min", "threads/min", "leak",
                                              "rss max", "cpu"});
    CHECK(std::vector<std::string>(rows[1].begin() + 8, rows[1].end()) ==
          std::vector<std::string>{"-", "-", "-", "-", "-", "-"});
    CHECK(std::vector<std::string>(rows[2].begin() + 8, rows[2].end()) ==
          std::vector<std::string>{"+12.5MB", "+0.0", "-", "LEAK", "-", "-"});
    CHECK(std::vector<std::string>(rows[3].begin() + 8, rows[3].end()) ==
          std::vector<std::string>{"-0.2MB", "-", "+0.0", "no", "-", "-"});
    const std::string text = barrage::report::format_trend(entries);
    CHECK(text.find("rss/min") != std::string::npos);
    CHECK(text.find("+12.5MB") != std::string::npos);
    CHECK(text.find("LEAK" + std::string(17, ' ') + "-" + std::string(11, ' ') + "-\n") !=
          std::string::npos);  // no rss max, no cpu in that run
    CHECK(text.find("3 runs") != std::string::npos);
}

TEST_CASE("a history line carries failure_rate and p95; an older line reads its error_rate") {
    barrage::plan::RunPlan plan;
    auto result = sample_result(1000, 99);  // 99 completed, 1 error
    result.requests = {{"default", {}, {}}};
    result.totals.by_name.emplace_back(0, 0);
    result.totals.by_name[0].completed = 99;
    result.totals.by_name[0].responses_failed = 4;
    const auto entry = barrage::report::make_history_entry(plan, result, {}, 1'764'689'505'000);
    CHECK(entry.failure_rate == doctest::Approx(0.05));
    const std::string line = barrage::report::format_history_line(entry);
    CHECK(line.find("\"error_rate\":0.01,") != std::string::npos);
    CHECK(line.find("\"failure_rate\":0.05,") != std::string::npos);
    CHECK(line.find("\"p95_us\":1000,") != std::string::npos);
    auto read = barrage::report::read_history(line, "h.jsonl");
    REQUIRE(read.ok());
    CHECK(read.value()[0].failure_rate == doctest::Approx(0.05));
    CHECK(read.value()[0].p95_us == 1000);
    const std::string older =
        R"({"time":"2025-12-02T15:31:45Z","label":"","target":"http://h/","mode":"closed_loop",)"
        R"("duration_s":1,"requests":99,"rps":99,"error_rate":0.02,"p50_us":1,"p90_us":1,)"
        R"("p99_us":1,"p999_us":1,"max_us":1,"thresholds":null})";
    auto old = barrage::report::read_history(older, "h.jsonl");
    REQUIRE(old.ok());
    REQUIRE(old.value().size() == 1);
    CHECK(old.value()[0].failure_rate == 0.02);
}

TEST_CASE(
    "a watched run's line has its largest RSS, first RSS and CPU share; the trend their change") {
    barrage::plan::RunPlan plan;
    barrage::watch::WatchResult watch;
    watch.targets = {target_growing(1.0, 0.0, 0.0, false)};
    // Over the 1 s measured: 100 MB to 150 MB, 0.5 CPU seconds; the sample after the drain
    // (t = 5 s, 900 MB) is left out.
    for (const auto& [t_s, mb, cpu] :
         {std::tuple{0.0, 100.0, 1.0}, {1.0, 150.0, 1.5}, {5.0, 900.0, 9.0}}) {
        barrage::watch::ResourceSample sample;
        sample.t_s = t_s;
        sample.rss_bytes = static_cast<int64_t>(mb * 1024 * 1024);
        sample.cpu_s = cpu;
        watch.targets[0].samples.push_back(sample);
    }
    auto result = sample_result(1000, 99);
    result.duration_s = 1;
    const auto entry = barrage::report::make_history_entry(plan, result, {}, 0, &watch);
    CHECK(entry.rss_max_mb == 150.0);
    CHECK(entry.rss_initial_mb == 100.0);
    CHECK(entry.target_cpu == 0.5);
    const std::string line = barrage::report::format_history_line(entry);
    CHECK(line.find("\"rss_max_mb\":150,\"rss_initial_mb\":100,\"target_cpu\":0.5}\n") !=
          std::string::npos);
    auto read = barrage::report::read_history(line + line, "h.jsonl");
    REQUIRE(read.ok());
    auto entries = read.value();
    CHECK(entries[0].rss_max_mb == 150.0);
    CHECK(entries[0].target_cpu == 0.5);
    entries[1].rss_max_mb = 195.0;
    entries[1].target_cpu = 0.8;
    const auto rows = barrage::report::trend_table(entries);
    CHECK(rows[1][12] == "150.0MB");
    CHECK(rows[1][13] == "50%");
    CHECK(rows[2][12] == "195.0MB (+30%)");
    CHECK(rows[2][13] == "80% (+60%)");
    CHECK(barrage::report::format_trend(entries).find("80% (+60%)\n") != std::string::npos);
}
