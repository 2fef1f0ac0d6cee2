#include "barrage/plan/plan.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "barrage/plan/units.h"
#include "test_support.h"

using barrage::plan::RunPlan;
namespace plan = barrage::plan;

namespace {

// The smallest plan that passes: one connection, one worker on CPU 0.
RunPlan valid_plan() {
    RunPlan run;
    run.target.host = "127.0.0.1";
    run.target.port = 8080;
    run.target.host_header = "127.0.0.1:8080";
    run.connections = 1;
    run.threads = 1;
    run.cpus = {0};
    plan::set_url_run(run, {});
    return run;
}

// A URL run's load (-r, -d, --warmup), its request kept.
void set_load(RunPlan& run, std::optional<double> rate_per_s, int64_t duration_ns = 10'000'000'000,
              int64_t warmup_ns = 0) {
    plan::set_url_run(run, {rate_per_s, duration_ns, warmup_ns}, plan::first_request(run));
}

std::string error_of(const RunPlan& run) {
    auto status = plan::validate_run_plan(run);
    REQUIRE_FALSE(status.ok());
    return status.error().message;
}

using barrage::test::contains;

}  // namespace

TEST_CASE("a minimal plan and a plan at every upper limit are valid") {
    CHECK(plan::validate_run_plan(valid_plan()).ok());

    RunPlan run = valid_plan();
    run.connections = plan::connections_max;
    run.threads = plan::threads_max;
    run.cpus.assign(static_cast<size_t>(plan::threads_max), 3);
    set_load(run, plan::rate_max_per_s);
    run.interval_ns = 100'000'000;
    run.response_header_bytes_max = 1024;
    run.requests[0].method = "M-SEARCH";
    run.requests[0].headers = {{"X-Token_1!", "a: b\tc"}, {"Empty", ""}};
    CHECK(plan::validate_run_plan(run).ok());
}

TEST_CASE("connections must lie in [1, connections_max]") {
    RunPlan run = valid_plan();
    run.connections = 0;
    CHECK(error_of(run) == "-c/--connections: 0 is out of range; use 1 to 1000000");
    run.connections = -5;
    CHECK(contains(error_of(run), "-c/--connections"));
    run.connections = plan::connections_max + 1;
    CHECK(contains(error_of(run), "-c/--connections: 1000001"));
}

TEST_CASE("threads must lie in [1, threads_max] and not exceed connections") {
    RunPlan run = valid_plan();
    run.threads = 0;
    run.cpus = {};
    CHECK(contains(error_of(run), "-t/--threads: 0 is out of range"));

    run = valid_plan();
    run.connections = 2'000;
    run.threads = plan::threads_max + 1;
    run.cpus.assign(static_cast<size_t>(run.threads), 0);
    CHECK(contains(error_of(run), "-t/--threads: 1025 is out of range; use 1 to 1024"));

    run = valid_plan();
    run.connections = 2;
    run.threads = 3;
    run.cpus = {0, 1, 2};
    const std::string message = error_of(run);
    CHECK(contains(message, "-t/--threads: 3 is more than -c/--connections (2)"));

    run.threads = 2;
    run.cpus = {0, 1};
    CHECK(plan::validate_run_plan(run).ok());
}

TEST_CASE("an open-loop rate must be finite, positive and at most rate_max") {
    RunPlan run = valid_plan();
    for (const double rate :
         {0.0, -1.0, plan::rate_max_per_s * 1.0001, std::numeric_limits<double>::infinity(),
          std::numeric_limits<double>::quiet_NaN()}) {
        CAPTURE(rate);
        set_load(run, rate);
        CHECK(contains(error_of(run), "-r/--rate"));
    }
    set_load(run, 0.001);
    CHECK(plan::validate_run_plan(run).ok());
    set_load(run, std::nullopt);
    CHECK(plan::validate_run_plan(run).ok());
}

TEST_CASE("duration must be positive, warmup not negative, and their sum must fit") {
    RunPlan run = valid_plan();
    set_load(run, std::nullopt, 0);
    CHECK(error_of(run) == "-d/--duration: must be greater than 0 (got 0ns)");
    set_load(run, std::nullopt, -1'000'000'000);
    CHECK(contains(error_of(run), "got -1s"));

    run = valid_plan();
    set_load(run, std::nullopt, 10'000'000'000, -1);
    CHECK(contains(error_of(run), "--warmup: must not be negative"));
    set_load(run, std::nullopt, 10'000'000'000, 0);
    CHECK(plan::validate_run_plan(run).ok());

    set_load(run, std::nullopt, std::numeric_limits<int64_t>::max(), 1);
    CHECK(contains(error_of(run), "too long"));
}

TEST_CASE("timeout must be positive") {
    RunPlan run = valid_plan();
    run.timeout_ns = 0;
    CHECK(contains(error_of(run), "--timeout: must be greater than 0"));
    run.timeout_ns = 1;
    CHECK(plan::validate_run_plan(run).ok());
}

TEST_CASE("interval must be at least 100ms") {
    RunPlan run = valid_plan();
    run.interval_ns = 99'999'999;
    CHECK(error_of(run) == "--interval: must be at least 100ms (got 99999999ns)");
    run.interval_ns = 50'000'000;
    CHECK(contains(error_of(run), "(got 50ms)"));
    run.interval_ns = 100'000'000;
    CHECK(plan::validate_run_plan(run).ok());
}

TEST_CASE("the response header limit must be at least 1024 bytes") {
    RunPlan run = valid_plan();
    run.response_header_bytes_max = 1023;
    CHECK(error_of(run) == "--max-header-bytes: must be at least 1024 (got 1023)");
}

TEST_CASE("the method must be a non-empty token") {
    RunPlan run = valid_plan();
    run.requests[0].method = "";
    CHECK(contains(error_of(run), "-X/--method"));
    for (const char* method : {"GE T", "GET\r\n", "GET/", "G\"T"}) {
        CAPTURE(method);
        run.requests[0].method = method;
        CHECK(contains(error_of(run), "-X/--method"));
    }
}

TEST_CASE("header names must be tokens and values one line") {
    RunPlan run = valid_plan();
    run.requests[0].headers = {{"", "x"}};
    CHECK(contains(error_of(run), "-H/--header"));
    run.requests[0].headers = {{"X A", "x"}};
    CHECK(contains(error_of(run), "-H/--header: 'X A'"));
    run.requests[0].headers = {{"X-A:", "x"}};
    CHECK(contains(error_of(run), "-H/--header"));
    for (const std::string& value : {std::string("a\r\nX-Evil: 1"), std::string("a\nb"),
                                     std::string("a\rb"), std::string("a\0b", 3)}) {
        run.requests[0].headers = {{"X-A", value}};
        CHECK(contains(error_of(run), "line break"));
    }
}

TEST_CASE("there is exactly one non-negative CPU per worker") {
    RunPlan run = valid_plan();
    run.cpus = {};
    CHECK(contains(error_of(run), "0 CPUs for 1 threads"));
    run.cpus = {0, 1};
    CHECK(contains(error_of(run), "2 CPUs for 1 threads"));
    run.cpus = {-1};
    CHECK(contains(error_of(run), "CPU -1"));
}

TEST_CASE("the target needs a scheme, a host, a port and a path from '/'") {
    RunPlan no_host = valid_plan();
    no_host.target.host.clear();
    CHECK(contains(error_of(no_host), "host"));
    RunPlan port_zero = valid_plan();
    port_zero.target.port = 0;
    CHECK(contains(error_of(port_zero), "port 0"));
    RunPlan relative_path = valid_plan();
    relative_path.target.path.front() = 'x';
    CHECK(contains(error_of(relative_path), "path 'x'"));
    RunPlan ftp = valid_plan();
    ftp.target.scheme.replace(0, 4, "ftp");
    CHECK(contains(error_of(ftp), "scheme 'ftp'"));
}

TEST_CASE("TLS options need https, a key needs its certificate, versions are 1.2 or 1.3") {
    RunPlan run = valid_plan();
    run.tls.insecure = true;
    CHECK(contains(error_of(run), "need an https:// URL"));
    run.target.scheme = "https";
    CHECK(plan::validate_run_plan(run).ok());
    run.tls.key_file = "client.key";
    CHECK(contains(error_of(run), "--key"));
    run.tls.cert_file = "client.pem";
    CHECK(plan::validate_run_plan(run).ok());
    run.tls.version_min = 11;
    CHECK(contains(error_of(run), "--tls-min"));
    run.tls.version_min = 13;
    run.tls.ca_file = "ca.pem";
    CHECK(contains(error_of(run), "-k/--insecure and --cacert"));
    run.tls.insecure = false;
    CHECK(plan::validate_run_plan(run).ok());
    run.target.scheme = "http";
    run.tls = plan::TlsPlan{};
    run.new_connection_per_request = true;
    CHECK(plan::validate_run_plan(run).ok());
}

TEST_CASE("warmup phases come first and a run is open or closed loop as a whole") {
    RunPlan run = valid_plan();
    plan::NamedRequest request;
    request.name = "a";
    run.requests = {request};
    run.session.steps = {0};
    plan::PhasePlan constant;
    constant.name = "main";
    constant.kind = plan::PhaseKind::constant;
    constant.rate_per_s = 10;
    constant.rate_end_per_s = 10;
    constant.duration_ns = 1'000'000'000;
    plan::PhasePlan warm = constant;
    warm.name = "warm";
    warm.warmup = true;
    run.phases = {warm, constant};
    CHECK(plan::validate_run_plan(run).ok());

    run.phases = {constant, warm};
    CHECK(contains(error_of(run), "phase 'warm' is a warmup after a measured phase"));

    plan::PhasePlan users = constant;
    users.name = "users";
    users.kind = plan::PhaseKind::users;
    users.users = 2;
    run.phases = {constant, users};
    CHECK(contains(error_of(run), "mix open loop"));
}

// ---- watching the target ----

TEST_CASE("growth rates read size or count per second, minute or hour as per minute") {
    using plan::GrowthUnit;
    CHECK(plan::parse_growth_per_min("f", "10MB/min", GrowthUnit::megabytes).value() == 10.0);
    CHECK(plan::parse_growth_per_min("f", "512KB/min", GrowthUnit::megabytes).value() == 0.5);
    CHECK(plan::parse_growth_per_min("f", "1GB/h", GrowthUnit::megabytes).value() ==
          doctest::Approx(1024.0 / 60));
    CHECK(plan::parse_growth_per_min("f", "0.5MiB/s", GrowthUnit::megabytes).value() == 30.0);
    CHECK(plan::parse_growth_per_min("f", "10/min", GrowthUnit::count).value() == 10.0);
    CHECK(plan::parse_growth_per_min("f", "6/h", GrowthUnit::count).value() == 0.1);
    CHECK(plan::parse_growth_per_min("f", "1/s", GrowthUnit::count).value() == 60.0);
    CHECK(plan::parse_growth_per_min("f", "0/m", GrowthUnit::count).value() == 0.0);
    for (const char* bad : {"10MB", "10/min", "-1MB/min", "MB/min", "10MB/day", "10 MB/min", ""}) {
        auto parsed = plan::parse_growth_per_min("--leak-rss-limit", bad, GrowthUnit::megabytes);
        REQUIRE_MESSAGE(!parsed.ok(), bad);
        CHECK(contains(parsed.error().message, "--leak-rss-limit"));
        CHECK(contains(parsed.error().message, "10MB/min"));
    }
    CHECK_FALSE(plan::parse_growth_per_min("f", "10MB/min", GrowthUnit::count).ok());
}

TEST_CASE("growth rates take a period with a count (/24h) and a percentage per time") {
    using plan::GrowthUnit;
    CHECK(plan::parse_growth_per_min("f", "2GB/24h", GrowthUnit::megabytes).value() ==
          doctest::Approx(2048.0 / 1440));
    CHECK(plan::parse_growth_per_min("f", "10/5min", GrowthUnit::count).value() == 2.0);
    CHECK(plan::parse_growth_per_min("f", "1/d", GrowthUnit::count).value() ==
          doctest::Approx(1.0 / 1440));
    CHECK(plan::parse_growth_per_min("f", "10%/24h", GrowthUnit::percent).value() ==
          doctest::Approx(0.1 / 1440));
    CHECK(plan::parse_growth_per_min("f", "0.5%/min", GrowthUnit::percent).value() == 0.005);
    for (const char* bad : {"10%/0h", "10/min", "10MB/24h", "%/h", "10%/24"}) {
        auto parsed = plan::parse_growth_per_min("f", bad, GrowthUnit::percent);
        REQUIRE_MESSAGE(!parsed.ok(), bad);
        CHECK(contains(parsed.error().message, "10%/24h"));
    }
}

TEST_CASE("a watch plan: pids positive and once each, series only with a URL, a URL with series") {
    RunPlan run = valid_plan();
    run.watch.pids = {10, 20};
    CHECK(plan::validate_run_plan(run).ok());
    run.watch.pids = {10, 10};
    CHECK(contains(error_of(run), "--watch-pid 10 is given twice"));
    run.watch.pids = {-3};
    CHECK(contains(error_of(run), "not a process id"));
    run.watch.pids.assign(plan::watch_pids_max + 1, 0);
    for (std::size_t i = 0; i < run.watch.pids.size(); ++i) {
        run.watch.pids[i] = static_cast<int>(i + 1);
    }
    CHECK(contains(error_of(run), "at most"));
    run.watch.pids = {};
    run.watch.series = {"up"};
    CHECK(contains(error_of(run), "--watch-url"));
    run.watch.url = "http://127.0.0.1:9100/metrics";
    CHECK(plan::validate_run_plan(run).ok());
    run.watch.series = {};
    CHECK(contains(error_of(run), "--watch-series"));
    run.watch.series = {"up"};
    run.watch.leak_rss_mb_per_min = std::numeric_limits<double>::infinity();
    CHECK(contains(error_of(run), "leak limits"));
}

TEST_CASE("the phases of a URL run, warm-up and all, are in the order the engine asserts") {
    RunPlan run = valid_plan();
    for (const std::optional<double> rate : {std::optional<double>(), std::optional<double>(50)}) {
        set_load(run, rate, 10'000'000'000, 1'000'000'000);
        const auto& phases = run.phases;
        REQUIRE(phases.size() == 2);
        CHECK(phases.front().warmup);
        CHECK(plan::check_phase_order(phases).ok());
    }
    auto reversed = run.phases;
    std::swap(reversed.front(), reversed.back());
    const auto status = plan::check_phase_order(reversed);
    REQUIRE_FALSE(status.ok());
    CHECK(contains(status.error().message, "(move it up, or drop warmup = true)"));
}

namespace {

// The addresses of a --source list as text, "a b c".
std::string sources_text(std::string_view typed) {
    auto sources = plan::parse_source_addresses("--source", typed);
    REQUIRE(sources.ok());
    std::string text;
    for (const plan::SourceAddress& source : sources.value()) {
        char buffer[64] = {};
        const auto* v4 = reinterpret_cast<const sockaddr_in*>(&source.address);
        const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&source.address);
        if (source.address.ss_family == AF_INET) {
            CHECK(source.address_len == sizeof(sockaddr_in));
            CHECK(v4->sin_port == 0);
            inet_ntop(AF_INET, &v4->sin_addr, buffer, sizeof(buffer));
        } else {
            CHECK(source.address_len == sizeof(sockaddr_in6));
            inet_ntop(AF_INET6, &v6->sin6_addr, buffer, sizeof(buffer));
        }
        text += (text.empty() ? "" : " ") + std::string(buffer);
    }
    return text;
}

std::string source_error(std::string_view typed) {
    auto sources = plan::parse_source_addresses("--source", typed);
    REQUIRE_FALSE(sources.ok());
    return sources.error().message;
}

}  // namespace

TEST_CASE("--source takes addresses, IPv4 ranges and comma lists of both, in order") {
    CHECK(sources_text("127.0.0.2") == "127.0.0.2");
    CHECK(sources_text("127.0.0.2-127.0.0.4") == "127.0.0.2 127.0.0.3 127.0.0.4");
    CHECK(sources_text("10.0.0.255-10.0.1.1") == "10.0.0.255 10.0.1.0 10.0.1.1");
    CHECK(sources_text("10.0.0.9,10.0.0.1-10.0.0.2") == "10.0.0.9 10.0.0.1 10.0.0.2");
    CHECK(sources_text("127.0.0.5-127.0.0.5") == "127.0.0.5");
    CHECK(sources_text("fd00::5,::1") == "fd00::5 ::1");
    auto many = plan::parse_source_addresses("--source", "10.0.0.0-10.0.255.255");
    REQUIRE(many.ok());
    CHECK(many.value().size() == plan::source_addresses_max);
}

TEST_CASE("--source refuses what is not a list of one family's addresses, and says the form") {
    for (const char* typed : {"", "127.0.0.2,", ",127.0.0.2", "127.0.0.2,,127.0.0.3", "localhost",
                              "127.0.0.256", "127.0.0.2-", "-127.0.0.2", "127.0.0.2-fd00::1",
                              "fd00::1-fd00::5", "127.0.0.2-127.0.0.3-127.0.0.4"}) {
        CAPTURE(typed);
        const std::string error = source_error(typed);
        CHECK(contains(error, "--source: '"));
        CHECK(contains(error, "e.g. 127.0.0.2-127.0.0.9"));
    }
    CHECK(contains(source_error("127.0.0.9-127.0.0.2"), "ends before it starts"));
    CHECK(contains(source_error("127.0.0.1,::1"), "mixes IPv4 and IPv6"));
    CHECK(contains(source_error("127.0.0.2-127.0.0.5,127.0.0.4"), "names an address twice"));
    CHECK(contains(source_error("::1,::1"), "names an address twice"));
    CHECK(contains(source_error("10.0.0.0-10.1.0.0"), "more than 65536 addresses"));
    CHECK(contains(source_error("10.0.0.0-10.0.255.255,10.1.0.0"), "more than 65536 addresses"));
}

TEST_CASE("connections to one destination fit sources times local ports") {
    CHECK(plan::connections_per_destination_max(1, 28232) == 28232);
    CHECK(plan::connections_per_destination_max(8, 28232) == 225856);
}

TEST_CASE("--connect-rate paces the opening connects: the start waits connections / rate") {
    RunPlan run = valid_plan();
    CHECK(plan::connect_pacing_ns(run) == 0);
    run.connections = 5000;
    run.connect_rate_per_s = 2000;
    CHECK(plan::connect_pacing_ns(run) == 2'500'000'000);
    CHECK(plan::validate_run_plan(run).ok());
    run.connect_rate_per_s = -1;
    CHECK(contains(error_of(run), "--connect-rate: must be between 0 and"));
}

TEST_CASE("pipelining: a depth in [1, 256], and only where no request waits for the one before") {
    RunPlan run = valid_plan();
    run.pipeline = plan::pipeline_max;
    CHECK(plan::validate_run_plan(run).ok());
    set_load(run, 1000.0);
    CHECK(plan::validate_run_plan(run).ok());  // open loop pipelines too
    run.pipeline = 0;
    CHECK(contains(error_of(run), "--pipeline: expected 1 to 256"));
    run.pipeline = plan::pipeline_max + 1;
    CHECK(contains(error_of(run), "(got 257)"));

    run = valid_plan();
    run.pipeline = 8;
    run.new_connection_per_request = true;
    CHECK(contains(error_of(run), "--new-conn"));

    run = valid_plan();
    run.pipeline = 8;
    run.requests[0].captures.push_back(barrage::http::CaptureSpec{});
    CHECK(contains(error_of(run), "request 'default' captures"));

    run = valid_plan();
    run.pipeline = 8;
    run.session.setup = {0};
    CHECK(contains(error_of(run), "setup steps and task groups"));

    run = valid_plan();
    run.pipeline = 8;
    run.phases[0].think_min_ns = run.phases[0].think_max_ns = 1'000'000;
    CHECK(contains(error_of(run), "paces its virtual users"));
    run.pipeline = 1;  // the same plan without pipelining is fine
    CHECK(plan::validate_run_plan(run).ok());
}
