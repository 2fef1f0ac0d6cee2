#include <doctest/doctest.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include "barrage/base/cpu.h"
#include "barrage/cli/command_line.h"
#include "barrage/cli/units.h"
#include "barrage/plan/url.h"
#include "test_support.h"

using barrage::cli::Command;
using barrage::cli::HelpRequest;
using barrage::cli::VersionRequest;
using barrage::plan::RunPlan;
using barrage::plan::ServePlan;
namespace cli = barrage::cli;
namespace plan = barrage::plan;

namespace {

constexpr int64_t ms = 1'000'000;
constexpr int64_t s = 1'000'000'000;

std::string duration_error(const char* text, bool allow_zero = false) {
    auto result = cli::parse_duration_ns("--duration", text, allow_zero);
    REQUIRE_FALSE(result.ok());
    return result.error().message;
}

using barrage::test::contains;

barrage::base::Result<Command> parse(std::initializer_list<const char*> args) {
    std::vector<const char*> argv{"barrage"};
    argv.insert(argv.end(), args.begin(), args.end());
    return cli::parse_command_line(static_cast<int>(argv.size()), argv.data());
}

RunPlan parse_run(std::initializer_list<const char*> args) {
    auto result = parse(args);
    if (!result.ok()) {
        FAIL("unexpected error: " << result.error().message);
    }
    REQUIRE(std::holds_alternative<RunPlan>(result.value()));
    return std::get<RunPlan>(std::move(result).value());
}

ServePlan parse_serve(std::initializer_list<const char*> args) {
    auto result = parse(args);
    if (!result.ok()) {
        FAIL("unexpected error: " << result.error().message);
    }
    REQUIRE(std::holds_alternative<ServePlan>(result.value()));
    return std::get<ServePlan>(std::move(result).value());
}

std::string parse_error(std::initializer_list<const char*> args) {
    auto result = parse(args);
    REQUIRE_FALSE(result.ok());
    return result.error().message;
}

std::string help_text(std::initializer_list<const char*> args) {
    auto result = parse(args);
    REQUIRE(result.ok());
    REQUIRE(std::holds_alternative<HelpRequest>(result.value()));
    return std::get<HelpRequest>(result.value()).text;
}

// A file in the test's temporary directory, removed at scope exit.
struct TempFile {
    std::string path;
    explicit TempFile(const std::string& content)
        : path("/tmp/barrage_cli_test_" + std::to_string(getpid()) + ".body") {
        std::ofstream(path, std::ios::binary) << content;
    }
    ~TempFile() { std::remove(path.c_str()); }
};

}  // namespace

// ---- units: durations ----

TEST_CASE("durations accept every unit, fractions, compounds and bare seconds") {
    const std::vector<std::pair<const char*, int64_t>> cases{
        {"250ms", 250 * ms}, {"30s", 30 * s},     {"2m", 120 * s},      {"1h", 3600 * s},
        {"1m30s", 90 * s},   {"1.5s", 1500 * ms}, {"500us", 500'000},   {"7ns", 7},
        {"10", 10 * s},      {"0.25", 250 * ms},  {"1h2m3s", 3723 * s}, {"1s500ms", 1500 * ms},
        {".5s", 500 * ms},   {"2.50m", 150 * s},  {"3\u00b5s", 3000},   {"0.0000000015s", 2},
        {"100ms", 100 * ms},
    };
    for (const auto& [text, expected] : cases) {
        CAPTURE(text);
        auto result = cli::parse_duration_ns("--duration", text, false);
        REQUIRE(result.ok());
        CHECK(result.value() == expected);
    }
}

TEST_CASE("zero durations are accepted only where zero means something") {
    CHECK(cli::parse_duration_ns("--warmup", "0", true).value() == 0);
    CHECK(cli::parse_duration_ns("--warmup", "0s", true).value() == 0);
    CHECK(cli::parse_duration_ns("--warmup", "0ms", true).value() == 0);
    const std::string message = duration_error("0s");
    CHECK(contains(message, "--duration"));
    CHECK(contains(message, "greater than 0"));
    CHECK(contains(duration_error("0"), "greater than 0"));
}

TEST_CASE("a malformed duration names the flag and the accepted forms") {
    CHECK(duration_error("10x") ==
          "--duration: '10x' is not a duration; use a number with a unit: 500ms, 30s, 2m, 1h "
          "(or 1m30s)");
    for (const char* text : {"x", "s", "10 s", " 10s", "10s ", "1m30", "10S", "1e3s", "nan", "inf",
                             "1.s", "1..5s", "\u00b5s", "+5s", "10ss", "5d", "1.5.5s", "0x10s"}) {
        CAPTURE(text);
        const std::string message = duration_error(text);
        CHECK(contains(message, "--duration"));
        CHECK(contains(message, "500ms, 30s"));
    }
}

TEST_CASE("negative, empty and overflowing durations are refused") {
    CHECK(contains(duration_error("-1s"), "negative"));
    CHECK(contains(duration_error("-0s", true), "negative"));
    CHECK(contains(duration_error(""), "empty"));
    CHECK(contains(duration_error("99999999999999999999s"), "too long"));
    CHECK(contains(duration_error("3000000h"), "too long"));
    CHECK(contains(duration_error("9223372036854775807ns1ns"), "too long"));
    // The largest value that fits is accepted.
    CHECK(cli::parse_duration_ns("-d", "9223372036854775807ns", false).value() == INT64_MAX);
}

// ---- units: rates ----

TEST_CASE("rates accept plain, fractional, k and M and per-period forms") {
    const std::vector<std::pair<const char*, double>> cases{
        {"1000", 1000.0}, {"2.5", 2.5},     {"20k", 20000.0},  {"20K", 20000.0},
        {"1.5M", 1.5e6},  {"100/s", 100.0}, {"6000/m", 100.0}, {"7200/h", 2.0},
        {"0.5", 0.5},     {"2k/s", 2000.0}, {"60k/m", 1000.0}, {"100000000", 1e8},
    };
    for (const auto& [text, expected] : cases) {
        CAPTURE(text);
        auto result = cli::parse_rate_per_s("-r/--rate", text);
        REQUIRE(result.ok());
        CHECK(result.value() == doctest::Approx(expected));
    }
}

TEST_CASE("bad rates name the flag and say why") {
    auto error = [](const char* text) {
        auto result = cli::parse_rate_per_s("-r/--rate", text);
        REQUIRE_FALSE(result.ok());
        return result.error().message;
    };
    CHECK(contains(error("0"), "greater than 0"));
    CHECK(contains(error("0.0/s"), "greater than 0"));
    CHECK(contains(error("-5"), "negative"));
    CHECK(contains(error(""), "empty"));
    for (const char* text :
         {"fast", "nan", "inf", "1e6", "2m", "10/x", "10 ", "10k/", "1/s/s", "5kk", "0x10"}) {
        CAPTURE(text);
        const std::string message = error(text);
        CHECK(contains(message, "-r/--rate"));
        CHECK(contains(message, "is not a rate"));
    }
    const std::string huge(400, '9');
    CHECK(contains(error(huge.c_str()), "too large"));
}

// ---- units: counts and sizes ----

TEST_CASE("counts accept whole numbers with k and M within their range") {
    CHECK(cli::parse_count("-c", "10", 1, 100).value() == 10);
    CHECK(cli::parse_count("-c", "1", 1, 100).value() == 1);
    CHECK(cli::parse_count("-c", "10k", 1, 1'000'000).value() == 10'000);
    CHECK(cli::parse_count("-c", "1.5k", 1, 1'000'000).value() == 1'500);
    CHECK(cli::parse_count("-c", "1.250k", 1, 1'000'000).value() == 1'250);
    CHECK(cli::parse_count("-c", "1M", 1, 1'000'000).value() == 1'000'000);
    CHECK(cli::parse_count("--port", "0", 0, 10).value() == 0);
}

TEST_CASE("counts out of range, fractional or malformed are refused") {
    auto error = [](const char* text) {
        auto result = cli::parse_count("-c/--connections", text, 1, 1000);
        REQUIRE_FALSE(result.ok());
        return result.error().message;
    };
    CHECK(error("0") == "-c/--connections: '0' is out of range; use 1 to 1000");
    CHECK(contains(error("1001"), "out of range"));
    CHECK(contains(error("2k"), "out of range"));
    CHECK(contains(error("99999999999999999999999"), "out of range"));
    CHECK(contains(error("1.5"), "whole number"));
    CHECK(contains(error("1.0001k"), "whole number"));
    CHECK(contains(error("-3"), "negative"));
    for (const char* text : {"ten", "10x", "1e3", " 5", "5 ", "0x10", "10kk"}) {
        CAPTURE(text);
        CHECK(contains(error(text), "-c/--connections"));
        CHECK(contains(error(text), "not a count"));
    }
}

TEST_CASE("sizes accept bytes and binary units") {
    const std::vector<std::pair<const char*, int64_t>> cases{
        {"512", 512},       {"512B", 512},     {"4k", 4096},        {"4K", 4096},
        {"4KiB", 4096},     {"4KB", 4096},     {"1M", 1 << 20},     {"1MiB", 1 << 20},
        {"1m", 1 << 20},    {"1G", 1LL << 30}, {"1GiB", 1LL << 30}, {"1.5k", 1536},
        {"64k", 64 * 1024},
    };
    for (const auto& [text, expected] : cases) {
        CAPTURE(text);
        auto result = cli::parse_size_bytes("--max-header-bytes", text);
        REQUIRE(result.ok());
        CHECK(result.value() == expected);
    }
}

TEST_CASE("bad sizes name the flag") {
    auto error = [](const char* text) {
        auto result = cli::parse_size_bytes("--max-header-bytes", text);
        REQUIRE_FALSE(result.ok());
        return result.error().message;
    };
    CHECK(contains(error("0"), "greater than 0"));
    CHECK(contains(error("0k"), "greater than 0"));
    CHECK(contains(error("-1k"), "negative"));
    CHECK(contains(error("99999999999G"), "too large"));
    for (const char* text : {"big", "4kb", "4T", "4 k", "nan", "1e3"}) {
        CAPTURE(text);
        CHECK(contains(error(text), "--max-header-bytes: '"));
        CHECK(contains(error(text), "not a size"));
    }
}

// ---- url ----

TEST_CASE("a plain http URL fills every field with defaults") {
    auto target = barrage::plan::parse_url("http://example.com").value();
    CHECK(target.scheme == "http");
    CHECK(target.host == "example.com");
    CHECK(target.port == 80);
    CHECK(target.path == "/");
    CHECK(target.host_header == "example.com");
}

TEST_CASE("ports, paths and queries are kept as written") {
    auto target = barrage::plan::parse_url("http://127.0.0.1:8080/api/v1?x=1&y=%20").value();
    CHECK(target.host == "127.0.0.1");
    CHECK(target.port == 8080);
    CHECK(target.path == "/api/v1?x=1&y=%20");
    CHECK(target.host_header == "127.0.0.1:8080");

    CHECK(barrage::plan::parse_url("http://h?q=1").value().path == "/?q=1");
    CHECK(barrage::plan::parse_url("http://h:81?q").value().path == "/?q");
    CHECK(barrage::plan::parse_url("http://h/").value().path == "/");
    CHECK(barrage::plan::parse_url("http://h:65535/").value().port == 65535);
    CHECK(barrage::plan::parse_url("http://h:1/").value().port == 1);
}

TEST_CASE("the Host header carries the port only when it is not the default") {
    CHECK(barrage::plan::parse_url("http://h:80/").value().host_header == "h");
    CHECK(barrage::plan::parse_url("http://h:443/").value().host_header == "h:443");
    CHECK(barrage::plan::parse_url("https://h:443/").value().host_header == "h");
    CHECK(barrage::plan::parse_url("https://h:80/").value().host_header == "h:80");
}

TEST_CASE("https parses with port 443 and schemes are case-insensitive") {
    auto target = barrage::plan::parse_url("HTTPS://Example.com/x").value();
    CHECK(target.scheme == "https");
    CHECK(target.port == 443);
    CHECK(target.host == "Example.com");
    CHECK(barrage::plan::parse_url("HtTp://h/").value().scheme == "http");
}

TEST_CASE("IPv6 hosts go in brackets and keep them only in the Host header") {
    auto target = barrage::plan::parse_url("http://[::1]:8080/x").value();
    CHECK(target.host == "::1");
    CHECK(target.port == 8080);
    CHECK(target.host_header == "[::1]:8080");
    CHECK(target.path == "/x");
    auto plain = barrage::plan::parse_url("http://[2001:db8::1]").value();
    CHECK(plain.host == "2001:db8::1");
    CHECK(plain.port == 80);
    CHECK(plain.host_header == "[2001:db8::1]");
}

TEST_CASE("URL errors say what is wrong") {
    auto error = [](const char* url) {
        auto result = barrage::plan::parse_url(url);
        REQUIRE_FALSE(result.ok());
        return result.error().message;
    };
    CHECK(error("localhost:8080") ==
          "'localhost:8080' has no scheme; write http://localhost:8080/");
    CHECK(error("example.com/x") == "'example.com/x' has no scheme; write http://example.com/x");
    CHECK(contains(error("http:/x"), "needs '//'"));
    CHECK(contains(error("ftp://h/"), "scheme 'ftp'"));
    CHECK(contains(error("http://h/#top"), "fragment '#top'"));
    CHECK(contains(error("http://h/#top"), "never sent"));
    CHECK(contains(error("http://user:p%zz@h/"), "two hex digits"));
    CHECK_FALSE(contains(error("http://user:secret%2@h/"), "secret"));  // never echoed
    CHECK(contains(error("http://h/a b"), "space"));
    CHECK(contains(error("http://h/a\tb"), "control character"));
    CHECK(contains(error("http://h/a\x7f"), "control character"));
    CHECK(contains(error("http://h/\xc3\xa9"), "non-ASCII"));
    CHECK(contains(error("http://h:0/"), "out of range"));
    CHECK(contains(error("http://h:65536/"), "out of range"));
    CHECK(contains(error("http://h:99999999999/"), "out of range"));
    CHECK(contains(error("http://h:8o/"), "not a number"));
    CHECK(contains(error("http://h:-1/"), "not a number"));
    CHECK(contains(error("http://h:/"), "empty port"));
    CHECK(contains(error("http:///x"), "no host"));
    CHECK(contains(error("http://:8080/"), "no host"));
    CHECK(contains(error("http://[]:80/"), "not an IPv6 address"));
    CHECK(contains(error("http://[::1/"), "without ']'"));
    CHECK(contains(error("http://[nothex]/"), "not an IPv6 address"));
    CHECK(contains(error("http://[::1]x/"), "after its host"));
    CHECK(contains(error("http://::1/"), "brackets"));
    CHECK(contains(error("http://a,b/"), "not allowed"));
    CHECK(contains(error(""), "empty"));
}

// ---- resolve ----

TEST_CASE("numeric IPv4 and IPv6 hosts resolve to their address") {
    auto target = barrage::plan::parse_url("http://127.0.0.1:8080/").value();
    REQUIRE(cli::resolve_target(target).ok());
    CHECK(target.address_text == "127.0.0.1:8080");
    CHECK(target.address.ss_family == AF_INET);
    CHECK(target.address_len == sizeof(sockaddr_in));

    auto v6 = barrage::plan::parse_url("http://[::1]:9000/").value();
    REQUIRE(cli::resolve_target(v6).ok());
    CHECK(v6.address_text == "[::1]:9000");
    CHECK(v6.address.ss_family == AF_INET6);
    CHECK(v6.address_len == sizeof(sockaddr_in6));
}

TEST_CASE("localhost resolves to a loopback address") {
    auto target = barrage::plan::parse_url("http://localhost:8080/").value();
    REQUIRE(cli::resolve_target(target).ok());
    const bool loopback =
        target.address_text == "127.0.0.1:8080" || target.address_text == "[::1]:8080";
    CHECK(loopback);
}

TEST_CASE("a name under .invalid fails with the host in the message") {
    auto target = barrage::plan::parse_url("http://no-such-host.invalid/").value();
    auto status = cli::resolve_target(target);
    REQUIRE_FALSE(status.ok());
    CHECK(contains(status.error().message, "cannot resolve host 'no-such-host.invalid': "));
}

// ---- command line: top level ----

TEST_CASE("no arguments, help, --help and -h give the program usage") {
    for (auto args : {std::initializer_list<const char*>{}, {"help"}, {"--help"}, {"-h"}}) {
        const std::string text = help_text(args);
        CHECK(contains(text, "barrage run URL"));
        CHECK(contains(text, "barrage serve"));
        CHECK(text == cli::usage_text());
    }
    // Only a bare `barrage` is a usage error (stderr, exit 2); help asked for is not.
    CHECK(std::get<HelpRequest>(parse({}).value()).missing_command);
    CHECK_FALSE(std::get<HelpRequest>(parse({"help"}).value()).missing_command);
    CHECK_FALSE(std::get<HelpRequest>(parse({"--help"}).value()).missing_command);
    CHECK(contains(help_text({"help", "run"}), "--connections"));
    CHECK(contains(help_text({"help", "serve"}), "--body-size"));
    CHECK(contains(help_text({"help", "serve"}), "POST /jobs?ready=D"));  // serve's job endpoint
}

TEST_CASE("version and --version ask for the version") {
    CHECK(std::holds_alternative<VersionRequest>(parse({"version"}).value()));
    CHECK(std::holds_alternative<VersionRequest>(parse({"--version"}).value()));
}

TEST_CASE("unknown subcommands and options before the command are errors") {
    CHECK(parse_error({"launch"}) == "unknown command 'launch'; see 'barrage --help'");
    CHECK(contains(parse_error({"http://h/"}), "barrage run http://h/"));
    CHECK(contains(parse_error({"-c", "10"}), "unknown option '-c'"));
}

// ---- command line: run ----

TEST_CASE("run defaults follow the documented values") {
    const RunPlan plan = parse_run({"run", "http://127.0.0.1:8080/"});
    const auto cpus = barrage::base::allowed_cpus();
    const int threads_expected = std::min(static_cast<int>(cpus.size()), 10);
    CHECK(plan.target.host == "127.0.0.1");
    CHECK(plan.target.port == 8080);
    CHECK_FALSE(barrage::plan::headline_rate_per_s(plan).has_value());
    CHECK(plan.connections == 10);
    CHECK(plan.threads == threads_expected);
    CHECK(plan.cpus == std::vector<int>(cpus.begin(), cpus.begin() + threads_expected));
    CHECK(plan.pin);
    CHECK(barrage::plan::measured_ns(plan) == 10 * s);
    CHECK(barrage::plan::warmup_ns(plan) == 0);
    CHECK(plan.timeout_ns == 10 * s);
    CHECK(plan.interval_ns == 1 * s);
    CHECK(plan.timer_slack_ns == barrage::plan::timer_slack_auto_ns);
    CHECK(plan.timer_slack_auto);
    CHECK(plan.response_header_bytes_max == 64 * 1024);
    CHECK(plan.requests[0].method == "GET");
    CHECK(plan.requests[0].headers.empty());
    CHECK(plan.requests[0].body.empty());
    CHECK(plan.outputs.json_path.empty());
    CHECK(plan.outputs.csv_path.empty());
    CHECK_FALSE(plan.outputs.quiet);
    CHECK(plan.command_line == "barrage run http://127.0.0.1:8080/");
}

TEST_CASE("every run flag sets its field, in long form") {
    const RunPlan plan = parse_run({"run",        "--rate",
                                    "2k",         "--connections",
                                    "20",         "--threads",
                                    "2",          "--no-pin",
                                    "--duration", "1m",
                                    "--warmup",   "5s",
                                    "--timeout",  "250ms",
                                    "--method",   "POST",
                                    "--header",   "X-A: 1",
                                    "--header",   "X-B:two  ",
                                    "--body",     "{}",
                                    "--json",     "out.json",
                                    "--csv",      "-",
                                    "--quiet",    "--interval",
                                    "500ms",      "--max-header-bytes",
                                    "8k",         "--timer-slack",
                                    "250us",      "http://h:81/p"});
    CHECK(plan.target.host_header == "h:81");
    CHECK(barrage::plan::headline_rate_per_s(plan).value() == 2000.0);
    CHECK(plan.connections == 20);
    CHECK(plan.threads == 2);
    CHECK(plan.cpus.size() == 2);
    CHECK_FALSE(plan.pin);
    CHECK(barrage::plan::measured_ns(plan) == 60 * s);
    CHECK(barrage::plan::warmup_ns(plan) == 5 * s);
    CHECK(plan.timeout_ns == 250 * ms);
    CHECK(plan.requests[0].method == "POST");
    REQUIRE(plan.requests[0].headers.size() == 2);
    CHECK(plan.requests[0].headers[0].name == "X-A");
    CHECK(plan.requests[0].headers[0].value == "1");
    CHECK(plan.requests[0].headers[1].name == "X-B");
    CHECK(plan.requests[0].headers[1].value == "two");
    CHECK(plan.requests[0].body == "{}");
    CHECK(plan.outputs.json_path == "out.json");
    CHECK(plan.outputs.csv_path == "-");
    CHECK(plan.outputs.quiet);
    CHECK(plan.interval_ns == 500 * ms);
    CHECK(plan.response_header_bytes_max == 8192);
    CHECK(plan.timer_slack_ns == 250 * 1000);
    CHECK_FALSE(plan.timer_slack_auto);
}

TEST_CASE("--timer-slack 0 is honoured as given; auto is the default's pick") {
    const RunPlan zero = parse_run({"run", "-r", "1k", "--timer-slack", "0", "http://h/"});
    CHECK(zero.timer_slack_ns == 0);
    CHECK_FALSE(zero.timer_slack_auto);
    const RunPlan back = parse_run(
        {"run", "-r", "1k", "--timer-slack", "1ms", "--timer-slack", "auto", "http://h/"});
    CHECK(back.timer_slack_ns == barrage::plan::timer_slack_auto_ns);
    CHECK(back.timer_slack_auto);
    // Within the lag the default promises: 200 us at p99 (docs/pacing.md).
    static_assert(barrage::plan::timer_slack_auto_ns > 0 &&
                  barrage::plan::timer_slack_auto_ns < 200'000);
}

TEST_CASE("--threshold and --abort-threshold keep their order, origin and abort flag") {
    const RunPlan plan =
        parse_run({"run", "http://h/", "--threshold", "p99 < 1s", "--abort-threshold",
                   "error_rate < 5%", "--abort-grace", "30s"});
    REQUIRE(plan.outputs.thresholds.size() == 2);
    CHECK(plan.outputs.thresholds[0].expression == "p99 < 1s");
    CHECK_FALSE(plan.outputs.thresholds[0].abort);
    CHECK(plan.outputs.thresholds[0].origin == "--threshold");
    CHECK(plan.outputs.thresholds[1].expression == "error_rate < 5%");
    CHECK(plan.outputs.thresholds[1].abort);
    CHECK(plan.outputs.thresholds[1].origin == "--abort-threshold");
    CHECK(plan.outputs.abort_grace_ns == 30 * s);
}

TEST_CASE("short flags take attached or separate values, long flags take = or a space") {
    const RunPlan attached = parse_run(
        {"run", "http://h/", "-r100", "-c5", "-t1", "-d2s", "-XPUT", "-HX-A: 1", "-bhi", "-q"});
    const RunPlan separate = parse_run({"run", "http://h/", "-r", "100", "-c", "5", "-t", "1", "-d",
                                        "2s", "-X", "PUT", "-H", "X-A: 1", "-b", "hi", "-q"});
    const RunPlan equals =
        parse_run({"run", "--rate=100", "--connections=5", "--threads=1", "--duration=2s",
                   "--method=PUT", "--header=X-A: 1", "--body=hi", "--quiet", "http://h/"});
    const RunPlan short_equals = parse_run({"run", "http://h/", "-c=5", "-t=1"});
    for (const RunPlan* plan : {&attached, &separate, &equals}) {
        CHECK(barrage::plan::headline_rate_per_s(*plan).value() == 100.0);
        CHECK(plan->connections == 5);
        CHECK(plan->threads == 1);
        CHECK(barrage::plan::measured_ns(*plan) == 2 * s);
        CHECK(plan->requests[0].method == "PUT");
        REQUIRE(plan->requests[0].headers.size() == 1);
        CHECK(plan->requests[0].headers[0].value == "1");
        CHECK(plan->requests[0].body == "hi");
        CHECK(plan->outputs.quiet);
    }
    CHECK(short_equals.connections == 5);
    CHECK(short_equals.threads == 1);
}

TEST_CASE("options may come before or after the URL, and '--' ends options") {
    const RunPlan before = parse_run({"run", "-c", "3", "http://h/"});
    const RunPlan after = parse_run({"run", "http://h/", "-c", "3"});
    CHECK(before.connections == 3);
    CHECK(after.connections == 3);
    CHECK(parse_run({"run", "-c", "3", "--", "http://h/"}).target.host == "h");
}

TEST_CASE("a later value of a flag overrides an earlier one, headers accumulate") {
    const RunPlan plan =
        parse_run({"run", "http://h/", "-c", "3", "-c", "4", "-H", "A: 1", "-H", "A: 2"});
    CHECK(plan.connections == 4);
    REQUIRE(plan.requests[0].headers.size() == 2);
    CHECK(plan.requests[0].headers[1].value == "2");
}

TEST_CASE("a header value keeps inner spaces and may be empty") {
    const RunPlan plan = parse_run({"run", "http://h/", "-H", "X-A:  a b  ", "-H", "X-Empty:"});
    CHECK(plan.requests[0].headers[0].value == "a b");
    CHECK(plan.requests[0].headers[1].name == "X-Empty");
    CHECK(plan.requests[0].headers[1].value.empty());
}

TEST_CASE("threads default to CPUs but never exceed connections") {
    const RunPlan one = parse_run({"run", "http://h/", "-c", "1"});
    CHECK(one.threads == 1);
    CHECK(one.cpus.size() == 1);
    CHECK(one.cpus[0] == barrage::base::allowed_cpus()[0]);
}

TEST_CASE("more threads than CPUs wrap around the allowed set") {
    const auto cpus = barrage::base::allowed_cpus();
    const int threads = std::min(static_cast<int>(cpus.size()) * 2 + 1, plan::threads_max);
    const std::string threads_text = std::to_string(threads);
    const RunPlan plan =
        parse_run({"run", "http://h/", "-c", "100000", "-t", threads_text.c_str(), "--no-pin"});
    REQUIRE(plan.cpus.size() == static_cast<size_t>(threads));
    for (size_t i = 0; i < plan.cpus.size(); ++i) {
        CHECK(plan.cpus[i] == cpus[i % cpus.size()]);
    }
    CHECK_FALSE(plan.pin);
}

TEST_CASE("more threads than connections is a usage error naming both flags") {
    const std::string message = parse_error({"run", "http://h/", "-c", "2", "-t", "3"});
    CHECK(contains(message, "-t/--threads"));
    CHECK(contains(message, "-c/--connections"));
}

TEST_CASE("the command line is recorded with arguments quoted for a shell") {
    const RunPlan plan =
        parse_run({"run", "http://h/?a=1&b=2", "-H", "X-A: 1", "-b", "it's", "-b", ""});
    CHECK(plan.command_line == "barrage run 'http://h/?a=1&b=2' -H 'X-A: 1' -b 'it'\\''s' -b ''");
}

TEST_CASE("the body is read from --body-file now") {
    const TempFile file(std::string("line1\nline2\0end", 15));
    const std::string flag = "--body-file=" + file.path;
    const RunPlan plan = parse_run({"run", "http://h/", flag.c_str()});
    REQUIRE(plan.requests[0].body_verbatim != nullptr);
    CHECK(*plan.requests[0].body_verbatim == std::string("line1\nline2\0end", 15));
    CHECK(plan.requests[0].body.empty());
    CHECK(plan.requests[0].body_bytes() == 15);
}

TEST_CASE("a --body-file is bytes sent as they are, '{{' included, never a template") {
    const std::string bytes("\x01{{bogus \xff\xfe}}{{int}}\0{{", 23);
    const TempFile file(bytes);
    const RunPlan plan =
        parse_run({"run", "http://h/", "-X", "POST", "--body-file", file.path.c_str()});
    REQUIRE(plan.requests[0].body_verbatim != nullptr);
    CHECK(*plan.requests[0].body_verbatim == bytes);
    // A copy of the plan shares the bytes of its one request instead of copying them.
    REQUIRE(plan.requests.size() == 1);
    const RunPlan copy = plan;  // e.g. a find-max step's plan
    CHECK(copy.requests[0].body_verbatim.get() == plan.requests[0].body_verbatim.get());
}

TEST_CASE("--body-template reads a template from a file; its mistakes are usage errors") {
    const TempFile good("{\"id\": {{seq}}}");
    const RunPlan plan = parse_run({"run", "http://h/", "--body-template", good.path.c_str()});
    CHECK(plan.requests[0].body == "{\"id\": {{seq}}}");
    CHECK(plan.requests[0].body_verbatim == nullptr);
    const TempFile bad("ok {{bogus 1}}");
    CHECK(parse_error({"run", "http://h/", "--body-template", bad.path.c_str()}) ==
          "--body-template: unknown generator 'bogus': expected int, float, choice, seq, uuid, "
          "now or now_ms in placeholder '{{bogus 1}}' at offset 3");
    CHECK(contains(parse_error({"run", "http://h/", "-b", "{{nope}}"}),
                   "-b/--body: unknown variable 'nope'"));
    CHECK(contains(parse_error({"run", "http://h/x{{", "-d", "1s"}),
                   "URL path: unclosed placeholder"));
    CHECK(contains(parse_error({"run", "http://h/", "-H", "X-A: {{int 2 1}}"}),
                   "-H 'X-A': bad arguments"));
    const TempFile file("x");
    CHECK(contains(parse_error({"run", "http://h/", "--body-file", file.path.c_str(),
                                "--body-template", file.path.c_str()}),
                   "--body-file and --body-template both give a body"));
}

TEST_CASE("a binary --body-template's error quotes about 80 characters of it, escaped") {
    std::string binary(1'000'000, '\0');
    for (std::size_t i = 0; i < binary.size(); ++i) {
        const auto byte = static_cast<char>((i * 7919 + 13) % 256);
        binary[i] = byte == '{' || byte == '}' || byte == '"' ? 'x' : byte;
    }
    binary.replace(500'000, 2, "{{");  // a placeholder 100 kB long
    binary.replace(600'000, 2, "}}");
    const TempFile file(binary);
    const std::string message =
        parse_error({"run", "http://h/", "--body-template", file.path.c_str()});
    CHECK(message.size() < 400);
    CHECK(message.find('\0') == std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
    CHECK(contains(message, "--body-template: "));
    CHECK(contains(message, "..."));
}

TEST_CASE("an unreadable --body-file names the file and the reason") {
    const std::string message =
        parse_error({"run", "http://h/", "--body-file", "/nonexistent/body.json"});
    CHECK(message ==
          "--body-file: cannot read '/nonexistent/body.json': No such file or directory");
    CHECK(contains(parse_error({"run", "http://h/", "--body-file", "/"}), "Is a directory"));
    // An endless file stops at the body limit instead of filling memory.
    CHECK(parse_error({"run", "http://h/", "--body-file", "/dev/zero"}) ==
          "--body-file: '/dev/zero' is larger than 64 MiB");
}

TEST_CASE("-b and --body-file together are refused in either order") {
    const TempFile file("x");
    for (auto message :
         {parse_error({"run", "http://h/", "-b", "x", "--body-file", file.path.c_str()}),
          parse_error({"run", "http://h/", "--body-file", file.path.c_str(), "-b", "x"})}) {
        CHECK(contains(message, "-b/--body"));
        CHECK(contains(message, "--body-file"));
    }
}

TEST_CASE("malformed headers are refused with the expected form") {
    const std::string no_colon = parse_error({"run", "http://h/", "-H", "X-A 1"});
    CHECK(contains(no_colon, "-H/--header"));
    CHECK(contains(no_colon, "no ':'"));
    CHECK(contains(parse_error({"run", "http://h/", "-H", ": 1"}), "empty name"));
    CHECK(contains(parse_error({"run", "http://h/", "-H", "X A: 1"}), "not a valid header name"));
    CHECK(contains(parse_error({"run", "http://h/", "-X", "GE T"}), "-X/--method"));
    CHECK(contains(parse_error({"run", "http://h/", "-X", ""}), "-X/--method"));
}

TEST_CASE("bad values name the flag the user gave") {
    CHECK(contains(parse_error({"run", "http://h/", "-d", "10x"}), "--duration"));
    CHECK(contains(parse_error({"run", "http://h/", "--duration=0"}), "--duration"));
    CHECK(contains(parse_error({"run", "http://h/", "-c", "0"}), "-c/--connections"));
    CHECK(contains(parse_error({"run", "http://h/", "-c", "2000000"}), "-c/--connections"));
    CHECK(contains(parse_error({"run", "http://h/", "-t", "0"}), "-t/--threads"));
    CHECK(contains(parse_error({"run", "http://h/", "-r", "0"}), "-r/--rate"));
    CHECK(contains(parse_error({"run", "http://h/", "-r", "200M"}), "-r/--rate"));
    CHECK(contains(parse_error({"run", "http://h/", "--warmup", "-1s"}), "--warmup"));
    CHECK(contains(parse_error({"run", "http://h/", "--timeout", "0s"}), "--timeout"));
    CHECK(contains(parse_error({"run", "http://h/", "--interval", "50ms"}), "--interval"));
    CHECK(contains(parse_error({"run", "http://h/", "--interval", "50ms"}), "100ms"));
    CHECK(contains(parse_error({"run", "http://h/", "--max-header-bytes", "512"}),
                   "--max-header-bytes"));
}

TEST_CASE("--time-scale takes a factor above 0 and is for profiles only") {
    const TempFile profile(
        "[target]\nurl = \"http://127.0.0.1:8080\"\n"
        "[[requests]]\nname = \"home\"\npath = \"/\"\n"
        "[[phases]]\nshape = \"constant\"\nrate = 10\nduration = \"30s\"\n");
    const RunPlan plan = parse_run({"run", profile.path.c_str(), "--time-scale", "0.1"});
    CHECK(barrage::plan::measured_ns(plan) == 3 * s);
    CHECK(barrage::plan::measured_ns(parse_run({"run", profile.path.c_str(), "--time-scale=2"})) ==
          60 * s);
    for (const char* bad : {"0", "-0.5", "abc", "0.1x", "", "inf", "nan", "1001"}) {
        CHECK_MESSAGE(contains(parse_error({"run", profile.path.c_str(), "--time-scale", bad}),
                               "--time-scale: '"),
                      bad);
    }
    CHECK(contains(parse_error({"run", profile.path.c_str(), "--time-scale", "0"}),
                   "expected e.g. 0.1"));
    CHECK(contains(parse_error({"run", profile.path.c_str(), "--time-scale", "0.00001"}),
                   "phases.phase 1.duration (30s) scaled is under 1ms"));
    CHECK(contains(parse_error({"run", "http://h/", "--time-scale", "0.1"}),
                   "--time-scale scales a profile's phases; a URL run lasts -d"));
    CHECK(contains(help_text({"run", "--help"}), "--time-scale F"));
}

TEST_CASE("a mistyped flag or command names the nearest one: did you mean") {
    CHECK(parse_error({"run", "http://h/", "--duraton", "5s"}) ==
          "unknown option '--duraton' for 'barrage run'; did you mean '--duration'? See "
          "'barrage run --help'");
    CHECK(contains(parse_error({"run", "http://h/", "--treshold=p99<1s"}),
                   "did you mean '--threshold'?"));
    CHECK(contains(parse_error({"serve", "--prot", "0"}), "did you mean '--port'?"));
    CHECK(contains(parse_error({"compare", "a.json", "b.json", "--max-regresion", "p99=1%"}),
                   "did you mean '--max-regression'?"));
    CHECK(parse_error({"rn", "http://h/"}) ==
          "unknown command 'rn'; did you mean 'run'? See 'barrage --help'");
    CHECK(contains(parse_error({"--verison"}), "did you mean '--version'?"));
    CHECK_FALSE(contains(parse_error({"run", "http://h/", "--zzzzzz"}), "did you mean"));
}

TEST_CASE("unknown options, missing values and stray arguments are usage errors") {
    CHECK(parse_error({"run", "http://h/", "--foo"}) ==
          "unknown option '--foo' for 'barrage run'; see 'barrage run --help'");
    CHECK(parse_error({"run", "http://h/", "--foo=1"}) ==
          "unknown option '--foo' for 'barrage run'; see 'barrage run --help'");
    CHECK(contains(parse_error({"run", "http://h/", "-z"}), "unknown option '-z'"));
    CHECK(parse_error({"run", "http://h/", "-d"}) == "-d/--duration needs a value");
    CHECK(parse_error({"run", "http://h/", "--duration"}) == "-d/--duration needs a value");
    CHECK(parse_error({"run", "-d", "-q", "http://h/"}) == "-d/--duration needs a value");
    CHECK(contains(parse_error({"run", "http://h/", "--quiet=yes"}), "takes no value"));
    CHECK(contains(parse_error({"run", "http://h/", "-qx"}), "takes no value"));
    CHECK(contains(parse_error({"run", "-c", "5"}), "missing URL"));
    CHECK(contains(parse_error({"run"}), "missing URL"));
    CHECK(contains(parse_error({"run", "http://a/", "http://b/"}), "unexpected argument"));
    CHECK(contains(parse_error({"run", "localhost:8080"}), "has no scheme"));
}

TEST_CASE("a value that merely starts with '-' is still a value") {
    CHECK(contains(parse_error({"run", "http://h/", "-r", "-5"}), "negative"));
    CHECK(parse_run({"run", "http://h/", "-b", "-1-not-an-option"}).requests[0].body ==
          "-1-not-an-option");
    // One that starts like a short option with its value (-n10) is that option: the error
    // says so rather than sending "-not-an-option" as the body.
    CHECK(contains(parse_error({"run", "http://h/", "-b", "-not-an-option"}), "-b/--body needs"));
}

TEST_CASE("JSON and CSV cannot both go to stdout or to one file") {
    CHECK(contains(parse_error({"run", "http://h/", "--json", "-", "--csv", "-"}), "stdout"));
    CHECK(contains(parse_error({"run", "http://h/", "--json", "a", "--csv", "a"}), "'a'"));
}

TEST_CASE("every output file is its own, and only --json and --csv may be stdout") {
    CHECK(contains(parse_error({"run", "http://h/", "--csv-requests", "x", "--html", "x"}),
                   "--csv-requests and --html both name 'x'"));
    CHECK(contains(parse_error({"run", "http://h/", "--hlog", "x", "--history", "x"}),
                   "--hlog and --history both name 'x'"));
    for (const char* flag : {"--csv-requests", "--hlog", "--history", "--html"}) {
        CHECK(contains(parse_error({"run", "http://h/", flag, "-"}),
                       std::string(flag) + " writes a file; '-' (stdout) is for --json or --csv"));
    }
    const auto plan = parse_run({"run", "http://h/", "--json", "j", "--csv", "c", "--csv-requests",
                                 "r", "--hlog", "l", "--history", "y", "--html", "h"});
    std::string named;
    for (const barrage::plan::OutputFile& file : barrage::plan::output_files(plan.outputs)) {
        named += std::string(file.flag) + "=" + std::string(file.path) + " ";
    }
    CHECK(named == "--json=j --csv=c --csv-requests=r --hlog=l --history=y --html=h ");
}

TEST_CASE("run --help anywhere gives the run usage") {
    for (auto args : {std::initializer_list<const char*>{"run", "--help"},
                      {"run", "http://h/", "-h"},
                      {"run", "-c", "5", "--help"}}) {
        const std::string text = help_text(args);
        CHECK(contains(text, "Usage: barrage run URL [options]"));
        CHECK(contains(text, "--max-header-bytes"));
    }
}

// ---- command line: serve ----

TEST_CASE("serve defaults and every serve flag") {
    const ServePlan defaults = parse_serve({"serve"});
    CHECK(defaults.host == "127.0.0.1");
    CHECK(defaults.port == 8080);
    CHECK(defaults.threads == 1);
    CHECK(defaults.body == "hello from barrage serve\n");
    CHECK(defaults.delay_ns == 0);

    const ServePlan plan = parse_serve(
        {"serve", "--port", "0", "--host=::1", "--threads", "4", "--body", "ok", "--delay", "5ms"});
    CHECK(plan.port == 0);
    CHECK(plan.host == "::1");
    CHECK(plan.threads == 4);
    CHECK(plan.body == "ok");
    CHECK(plan.delay_ns == 5 * ms);
    CHECK(parse_serve({"serve", "--delay", "0"}).delay_ns == 0);
    CHECK(parse_serve({"serve", "--port=65535"}).port == 65535);
}

TEST_CASE("serve --body-size makes a body of that many x bytes") {
    CHECK(parse_serve({"serve", "--body-size", "5"}).body == "xxxxx");
    CHECK(parse_serve({"serve", "--body-size", "1k"}).body == std::string(1024, 'x'));
    CHECK(contains(parse_error({"serve", "--body-size", "1G"}), "larger than"));
    CHECK(contains(parse_error({"serve", "--body", "a", "--body-size", "1"}), "--body-size"));
}

TEST_CASE("serve binds loopback only") {
    CHECK(parse_serve({"serve", "--host", "localhost"}).host == "127.0.0.1");
    CHECK(parse_serve({"serve", "--host", "127.1.2.3"}).host == "127.1.2.3");
    CHECK(parse_serve({"serve", "--host", "[::1]"}).host == "::1");
    for (const char* host : {"0.0.0.0", "192.168.1.1", "::", "2001:db8::1", "128.0.0.1"}) {
        CAPTURE(host);
        const std::string message = parse_error({"serve", "--host", host});
        CHECK(contains(message, "--host"));
        CHECK(contains(message, "only listens on loopback"));
    }
    CHECK(contains(parse_error({"serve", "--host", "example.com"}), "not an IP address"));
}

TEST_CASE("serve refuses bad ports, unknown options and arguments") {
    CHECK(contains(parse_error({"serve", "--port", "65536"}), "--port"));
    CHECK(contains(parse_error({"serve", "--port", "-1"}), "--port"));
    CHECK(contains(parse_error({"serve", "--port", "8k"}), "--port"));
    CHECK(contains(parse_error({"serve", "--port", ""}), "--port"));
    CHECK(contains(parse_error({"serve", "--threads", "0"}), "--threads"));
    CHECK(contains(parse_error({"serve", "--delay", "-1s"}), "--delay"));
    CHECK(parse_error({"serve", "--rate", "5"}) ==
          "unknown option '--rate' for 'barrage serve'; see 'barrage serve --help'");
    CHECK(contains(parse_error({"serve", "8080"}), "unexpected argument '8080'"));
    CHECK(contains(help_text({"serve", "--help"}), "Usage: barrage serve"));
}

TEST_CASE("https defaults: verification and resumption on, keep-alive, TLS 1.2 floor") {
    const RunPlan plan = parse_run({"run", "https://h/"});
    CHECK(plan.target.port == 443);
    CHECK_FALSE(plan.tls.insecure);
    CHECK(plan.tls.resume);
    CHECK(plan.tls.version_min == 12);
    CHECK_FALSE(plan.new_connection_per_request);
}

TEST_CASE("every TLS flag sets its field, and --new-conn works for http too") {
    const TempFile pem("pem");  // one path per process: stands for all three files
    const TempFile& ca = pem;
    const TempFile& cert = pem;
    const TempFile& key = pem;
    const RunPlan plan =
        parse_run({"run", "https://h/", "--cacert", ca.path.c_str(), "--cert", cert.path.c_str(),
                   "--key", key.path.c_str(), "--sni", "api.example", "--tls-min", "1.3",
                   "--ciphers", "ECDHE-RSA-AES128-GCM-SHA256", "--ciphersuites",
                   "TLS_AES_128_GCM_SHA256", "--no-tls-resume", "--new-conn"});
    CHECK(plan.tls.ca_file == ca.path);
    CHECK(plan.tls.cert_file == cert.path);
    CHECK(plan.tls.key_file == key.path);
    CHECK(plan.tls.sni == "api.example");
    CHECK(plan.tls.version_min == 13);
    CHECK(plan.tls.ciphers == "ECDHE-RSA-AES128-GCM-SHA256");
    CHECK(plan.tls.ciphersuites == "TLS_AES_128_GCM_SHA256");
    CHECK_FALSE(plan.tls.resume);
    CHECK(plan.new_connection_per_request);
    CHECK(parse_run({"run", "https://h/", "-k"}).tls.insecure);
    CHECK(parse_run({"run", "http://h/", "--new-conn"}).new_connection_per_request);
}

TEST_CASE("TLS flags refuse unreadable files, a lone key, bad versions and http URLs") {
    CHECK(parse_error({"run", "https://h/", "--cacert", "/nonexistent/ca.pem"}) ==
          "--cacert: cannot read '/nonexistent/ca.pem': No such file or directory");
    CHECK(contains(parse_error({"run", "https://h/", "--cert", "/nonexistent/c.pem"}),
                   "--cert: cannot read"));
    const TempFile key("key");
    CHECK(contains(parse_error({"run", "https://h/", "--key", key.path.c_str()}), "add --cert"));
    CHECK(parse_error({"run", "https://h/", "--tls-min", "1.1"}) ==
          "--tls-min: '1.1' is not a TLS version; use 1.2 or 1.3");
    CHECK(contains(parse_error({"run", "http://h/", "-k"}), "need an https:// URL"));
    CHECK(contains(parse_error({"run", "https://h/", "-k", "--cacert", key.path.c_str()}),
                   "contradict"));
}

TEST_CASE("compare, trend and report take their output options") {
    auto compare =
        parse({"compare", "a.json", "b.json", "--max-regression", "login:p99=5%", "--json", "-"});
    REQUIRE(compare.ok());
    const auto& request = std::get<cli::CompareRequest>(compare.value());
    CHECK(request.max_regressions == std::vector<std::string>{"login:p99=5%"});
    CHECK(request.json_path == "-");
    CHECK(request.baseline_paths == std::vector<std::string>{"a.json"});
    CHECK(request.current_path == "b.json");
    CHECK_FALSE(request.min_delta_ns.has_value());
    CHECK_FALSE(request.allow_different_config);
    auto trend = parse({"trend", "h.jsonl", "--html", "t.html"});
    REQUIRE(trend.ok());
    CHECK(std::get<cli::TrendRequest>(trend.value()).history_path == "h.jsonl");
    CHECK(std::get<cli::TrendRequest>(trend.value()).html_path == "t.html");
    CHECK(std::get<cli::TrendRequest>(parse({"trend", "h.jsonl"}).value()).html_path.empty());
    auto report = parse({"report", "r.json", "--history", "h.jsonl", "-o", "r.html"});
    REQUIRE(report.ok());
    CHECK(std::get<cli::ReportRequest>(report.value()).history_path == "h.jsonl");
    CHECK_FALSE(parse({"trend", "h.jsonl", "--html"}).ok());
    CHECK_FALSE(parse({"trend", "h.jsonl", "--svg", "x"}).ok());
}

TEST_CASE("compare takes several baselines with --current, a floor and the config escape") {
    auto several = parse({"compare", "b1.json", "b2.json", "b3.json", "--current", "c.json",
                          "--min-delta", "500us", "--allow-different-config"});
    REQUIRE(several.ok());
    const auto& request = std::get<cli::CompareRequest>(several.value());
    CHECK(request.baseline_paths == std::vector<std::string>{"b1.json", "b2.json", "b3.json"});
    CHECK(request.current_path == "c.json");
    CHECK(request.min_delta_ns == 500'000);
    CHECK(request.allow_different_config);
    auto one = parse({"compare", "b1.json", "--current", "c.json"});
    REQUIRE(one.ok());
    CHECK(std::get<cli::CompareRequest>(one.value()).baseline_paths.size() == 1);
    CHECK_FALSE(parse({"compare", "--current", "c.json"}).ok());
    CHECK_FALSE(parse({"compare", "a.json", "b.json", "c.json"}).ok());  // which is current?
    CHECK_FALSE(parse({"compare", "a.json", "b.json", "--min-delta", "soon"}).ok());
}

TEST_CASE("compare --metrics takes a comma-separated list, repeatable") {
    auto metrics = parse({"compare", "a.json", "b.json", "--metrics", "p50,p95", "--metrics=rps"});
    REQUIRE(metrics.ok());
    CHECK(std::get<cli::CompareRequest>(metrics.value()).metrics ==
          std::vector<std::string>{"p50", "p95", "rps"});
    CHECK_FALSE(parse({"compare", "a.json", "b.json", "--metrics", ","}).ok());
}

// ---- watching the target ----

TEST_CASE("the watch flags fill the plan's watch, repeatable where they say so") {
    const RunPlan run = parse_run(
        {"run", "http://127.0.0.1:8080/", "--watch-pid", "12", "--watch-pid=34", "--watch-cgroup",
         "/sys/fs/cgroup/app", "--watch-url", "http://127.0.0.1:9100/metrics", "--watch-series",
         "up", "--watch-series", "mem_bytes", "--leak-rss-limit", "512KB/min", "--leak-fd-limit",
         "1/s", "--leak-thread-limit", "2/h"});
    CHECK(run.watch.pids == std::vector<int>{12, 34});
    CHECK(run.watch.cgroup_path == "/sys/fs/cgroup/app");
    CHECK(run.watch.url == "http://127.0.0.1:9100/metrics");
    CHECK(run.watch.series == std::vector<std::string>{"up", "mem_bytes"});
    CHECK(run.watch.leak_rss_mb_per_min == 0.5);
    CHECK(run.watch.leak_fds_per_min == 60.0);
    CHECK(run.watch.leak_threads_per_min == doctest::Approx(2.0 / 60.0));
    CHECK(run.watch.any());
    const RunPlan plain = parse_run({"run", "http://127.0.0.1:8080/"});
    CHECK_FALSE(plain.watch.any());
    CHECK(plain.watch.leak_rss_mb_per_min == 10.0);
    CHECK(plain.watch.leak_fds_per_min == 10.0);
    CHECK(plain.watch.leak_threads_per_min == 1.0);
}

TEST_CASE("bad watch flags are errors naming the flag") {
    CHECK(contains(parse_error({"run", "http://h/", "--watch-pid", "abc"}), "--watch-pid"));
    CHECK(contains(parse_error({"run", "http://h/", "--watch-pid", "0"}), "--watch-pid"));
    CHECK(
        contains(parse_error({"run", "http://h/", "--watch-cgroup", "/a", "--watch-cgroup", "/b"}),
                 "given twice"));
    CHECK(contains(
        parse_error({"run", "http://h/", "--watch-url", "http://a/", "--watch-url", "http://b/"}),
        "given twice"));
    CHECK(
        contains(parse_error({"run", "http://h/", "--leak-rss-limit", "10"}), "--leak-rss-limit"));
    CHECK(contains(parse_error({"run", "http://h/", "--leak-fd-limit", "10MB/min"}),
                   "--leak-fd-limit"));
    CHECK(contains(parse_error({"run", "http://h/", "--watch-series", "up"}), "--watch-url"));
    CHECK(contains(help_text({"run", "--help"}), "--watch-pid PID"));
    CHECK(contains(help_text({"run", "--help"}), "rss_growth < 5MB/min"));
}

TEST_CASE("serve --leak-per-request takes a size, is off by default and has a ceiling") {
    CHECK(parse_serve({"serve"}).leak_per_request_bytes == 0);
    CHECK(parse_serve({"serve", "--leak-per-request", "64k"}).leak_per_request_bytes == 65536);
    CHECK(contains(parse_error({"serve", "--leak-per-request", "0"}), "--leak-per-request"));
    CHECK(contains(parse_error({"serve", "--leak-per-request", "1G"}), "larger than"));
    CHECK(contains(help_text({"serve", "--help"}), "--leak-per-request SIZE"));
}

// ---- find-max: each step is the run's plan at the step's rate ----

TEST_CASE("find-max takes a profile by run's rule and keeps its warm-up phases in each step") {
    const TempFile profile(  // a profile whose file name does not end in .toml
        "[target]\nurl = \"http://127.0.0.1:8080\"\nconnections = 4\n"
        "[[requests]]\nname = \"home\"\npath = \"/\"\n"
        "[[phases]]\nname = \"warm\"\nshape = \"constant\"\nrate = 5\nduration = \"1s\"\n"
        "warmup = true\n"
        "[[phases]]\nname = \"main\"\nshape = \"constant\"\nrate = 5\nduration = \"1m\"\n");
    auto command =
        parse({"find-max", profile.path.c_str(), "--slo", "p99 < 1s", "--step-duration", "2s"});
    REQUIRE_MESSAGE(command.ok(), command.error().message);
    const auto& request = std::get<cli::FindMaxRequest>(command.value());
    auto step = cli::find_max_step_plan(request, 123.0);
    REQUIRE(step.ok());
    const RunPlan& plan = step.value();
    REQUIRE(plan.phases.size() == 2);  // no --warmup phase added to a profile
    CHECK(plan.phases[0].warmup);
    CHECK(plan.phases[0].rate_per_s == 123.0);  // the lead-up scales with the level
    CHECK(plan.phases[0].duration_ns == s);
    CHECK(plan.phases[1].rate_per_s == 123.0);
    CHECK(plan.phases[1].duration_ns == 2 * s);
    CHECK(plan.connections == 4);
    CHECK(plan.outputs.quiet);
    CHECK(request.run_plan.phases[1].rate_per_s == 5);  // the run's plan stays as parsed
}

TEST_CASE("--time-scale passes to each find-max step: the lead-up is shorter, the step is not") {
    const TempFile profile(
        "[target]\nurl = \"http://127.0.0.1:8080\"\n"
        "[[requests]]\nname = \"home\"\npath = \"/\"\n"
        "[[phases]]\nname = \"up\"\nshape = \"ramp\"\nfrom = 0\nto = 10\nduration = \"20s\"\n"
        "[[phases]]\nname = \"main\"\nshape = \"constant\"\nrate = 10\nduration = \"1m\"\n"
        "main = true\n");
    auto command = parse({"find-max", profile.path.c_str(), "--slo", "p99 < 1s", "--step-duration",
                          "2s", "--time-scale", "0.1"});
    REQUIRE_MESSAGE(command.ok(), command.error().message);
    auto step = cli::find_max_step_plan(std::get<cli::FindMaxRequest>(command.value()), 40.0);
    REQUIRE(step.ok());
    REQUIRE(step.value().phases.size() == 2);
    CHECK(step.value().phases[0].warmup);
    CHECK(step.value().phases[0].duration_ns == 2 * s);
    CHECK(step.value().phases[0].rate_end_per_s == 40.0);
    CHECK(step.value().phases[1].duration_ns == 2 * s);  // --step-duration stays as given
}

TEST_CASE(
    "a find-max step of a URL run has the step's rate, duration and warm-up, the rest as "
    "given") {
    auto command = parse({"find-max", "http://h/p", "--slo", "p99 < 1s", "-c", "7", "-H", "X-A: 1",
                          "--step-duration", "3s", "--step-warmup", "500ms"});
    REQUIRE_MESSAGE(command.ok(), command.error().message);
    const auto& request = std::get<cli::FindMaxRequest>(command.value());
    for (const double rate : {250.0, 500.0}) {
        auto step = cli::find_max_step_plan(request, rate);
        REQUIRE(step.ok());
        const RunPlan& plan = step.value();
        CHECK(barrage::plan::headline_rate_per_s(plan) == rate);
        CHECK(barrage::plan::measured_ns(plan) == 3 * s);
        CHECK(barrage::plan::warmup_ns(plan) == 500 * ms);
        CHECK(plan.connections == 7);
        REQUIRE(plan.requests.size() == 1);
        CHECK(plan.requests[0].path == "/p");
        REQUIRE(plan.requests[0].headers.size() == 1);
        CHECK(plan.requests[0].headers[0].name == "X-A");
        CHECK(plan.outputs.quiet);
    }
    CHECK_FALSE(barrage::plan::is_open_loop(request.run_plan));  // parsed without -r
}

TEST_CASE(
    "--requests N: an open-loop URL run of exactly N, lasting N / rate unless -d ends first") {
    const RunPlan plan = parse_run({"run", "http://h/", "-r", "200", "--requests", "150"});
    REQUIRE(plan.phases.size() == 1);
    CHECK(plan.phases[0].iterations == 150);
    CHECK(plan.phases[0].duration_ns == 750'000'000);
    const RunPlan capped =
        parse_run({"run", "http://h/", "-r", "200", "--requests", "1000", "-d", "1s"});
    CHECK(capped.phases[0].duration_ns == 1'000'000'000);
    const RunPlan closed = parse_run({"run", "http://h/", "-c", "4", "--requests", "10"});
    CHECK(closed.phases[0].iterations == 10);                // the engine ends the run on the count
    CHECK(closed.phases[0].duration_ns == 600'000'000'000);  // at most 10 minutes
    CHECK(contains(parse_error({"run", "http://h/", "-r", "10", "--requests", "0"}), "--requests"));
    CHECK(contains(help_text({"run", "--help"}), "--requests N"));
    // -n as oha, hey and h2load spell it.
    const RunPlan short_form = parse_run({"run", "http://h/", "-c", "4", "-n", "10"});
    CHECK(short_form.phases[0].iterations == 10);
    CHECK(contains(help_text({"run", "--help"}), "-n, --requests N"));
}

TEST_CASE("barrage suite takes one suite file and its few options; a typo names the nearest") {
    CHECK(contains(parse_error({"suite"}), "barrage suite: expected one suite file"));
    CHECK(contains(parse_error({"suite", "a.toml", "b.toml"}), "expected one suite file"));
    CHECK(contains(parse_error({"suite", "ci.toml", "--jsn", "x.json"}), "did you mean '--json'?"));
    CHECK(contains(parse_error({"suite", "ci.toml", "--time-scale", "0"}),
                   "--time-scale: '0' is not a factor"));
    CHECK(contains(parse_error({"suite", "/nonexistent/ci.toml"}),
                   "expected the path of a TOML suite file"));
    CHECK(contains(help_text({"suite", "--help"}), "Usage: barrage suite SUITE.toml"));
    CHECK(contains(help_text({"help", "suite"}), "stop_on_fail"));
    CHECK(contains(parse_error({"suit", "ci.toml"}), "did you mean 'suite'?"));
}

// ---- where requests go and as whom (issue 16) ----

TEST_CASE("URL userinfo gives percent-decoded basic-auth credentials and no Host change") {
    auto target = barrage::plan::parse_url("http://alice:s%40cr%3At@127.0.0.1:8080/x").value();
    REQUIRE(target.credentials.has_value());
    CHECK(target.credentials->user == "alice");
    CHECK(target.credentials->password == "s@cr:t");
    CHECK(target.host == "127.0.0.1");
    CHECK(target.host_header == "127.0.0.1:8080");
    CHECK(target.path == "/x");
    // The last '@' ends the userinfo, a password may hold ':' and a user alone has none.
    auto last_at = barrage::plan::parse_url("http://a@b:c:d@h/").value();
    CHECK(last_at.credentials->user == "a@b");
    CHECK(last_at.credentials->password == "c:d");
    CHECK(barrage::plan::parse_url("http://bob@h/").value().credentials->password.empty());
    CHECK(barrage::plan::parse_url("http://:pw@h/").value().credentials->user.empty());
    CHECK_FALSE(barrage::plan::parse_url("http://@h/").value().credentials.has_value());
    CHECK_FALSE(barrage::plan::parse_url("http://h/a@b").value().credentials.has_value());
    auto v6 = barrage::plan::parse_url("https://u:p@[::1]:8443/").value();
    CHECK(v6.host == "::1");
    CHECK(v6.credentials->password == "p");
}

TEST_CASE("a URL's password is masked wherever a URL is echoed") {
    using barrage::plan::mask_url_password;
    CHECK(mask_url_password("http://alice:secret@h:81/p?q=1") == "http://alice:***@h:81/p?q=1");
    CHECK(mask_url_password("http://alice@h/") == "http://alice@h/");
    CHECK(mask_url_password("http://h/a@b:c") == "http://h/a@b:c");
    CHECK(mask_url_password("http://a:b@c:d@h/") == "http://a:***@h/");
    CHECK(mask_url_password("-c") == "-c");
    CHECK(contains(parse_error({"run", "http://u:secret@h:x/"}), "not a number"));
    CHECK_FALSE(contains(parse_error({"run", "http://u:secret@h:x/"}), "secret"));
    CHECK(parse_error({"run", "alice:secret@h/"}) ==
          "'alice:***@h/' has no scheme; write http://alice:***@h/");
}

TEST_CASE("-u/--user sets every target's credentials and wins over the URL's") {
    auto url_only = parse_run({"run", "http://alice:one@127.0.0.1:8080/"});
    CHECK(url_only.target.credentials->password == "one");
    auto user = parse_run({"run", "http://alice:one@127.0.0.1:8080/", "--user", "bob:two:x"});
    CHECK(user.target.credentials->user == "bob");
    CHECK(user.target.credentials->password == "two:x");
    CHECK(parse_run({"run", "http://h/", "-u", "carol"}).target.credentials->password.empty());
    CHECK(parse_run({"run", "http://h/", "-ud:e"}).target.credentials->user == "d");
    CHECK(contains(parse_error({"run", "http://h/", "--user", ""}), "USER[:PASSWORD]"));
}

TEST_CASE("the command line in reports shows no password") {
    auto plan = parse_run(
        {"run", "http://alice:secret@h/", "-u", "bob:hidden", "--user=c:pw1", "-ud:pw2", "-c2"});
    CHECK(plan.command_line ==
          "barrage run 'http://alice:***@h/' -u 'bob:***' '--user=c:***' '-ud:***' -c2");
}

TEST_CASE("--connect-to and --resolve route connections, Host stays the URL's") {
    auto plan = parse_run(
        {"run", "http://example.test:8080/", "--connect-to", "example.test:8080:127.0.0.2:9090"});
    CHECK(plan.target.connect_host == "127.0.0.2");
    CHECK(plan.target.connect_port == 9090);
    CHECK(plan.target.host_header == "example.test:8080");
    // Empty fields: any host or port; keep the target's host or port. First match wins.
    auto any = parse_run({"run", "https://Example.TEST/", "--connect-to", ":::8443", "--connect-to",
                          "example.test:443:[::1]:1"});
    CHECK(any.target.connect_host.empty());
    CHECK(any.target.connect_port == 8443);
    // --resolve applies after --connect-to, on the host and port connected to.
    auto both = parse_run({"run", "http://a.test/", "--connect-to", "a.test:80:b.test:81",
                           "--resolve", "b.test:81:[::1]"});
    CHECK(both.target.connect_host == "::1");
    CHECK(both.target.connect_port == 81);
    auto star = parse_run({"run", "http://a.test:82/", "--resolve", "*:82:127.0.0.3"});
    CHECK(star.target.connect_host == "127.0.0.3");
    CHECK(star.target.connect_port == 0);
    CHECK(parse_run({"run", "http://[::1]:82/", "--resolve", "[::1]:82:::2"}).target.connect_host ==
          "::2");
}

TEST_CASE("bad --connect-to and --resolve forms name the flag and the expected form") {
    const auto connect_error = [](const char* value) {
        return parse_error({"run", "http://h/", "--connect-to", value});
    };
    CHECK(contains(connect_error("h:80:x"), "four ':'-separated fields"));
    CHECK(contains(connect_error("h:80:x"), "expected HOST:PORT:TO_HOST:TO_PORT"));
    CHECK(contains(connect_error("h:80:x:1:2"), "four"));
    CHECK(contains(connect_error("h:http:x:1"), "bad port 'http'"));
    CHECK(contains(connect_error("h:80:x:70000"), "bad port '70000'"));
    CHECK(contains(connect_error("h/x:80:x:1"), "bad host 'h/x'"));
    CHECK(contains(connect_error("[::g]:80:x:1"), "bad host"));
    const auto resolve_error = [](const char* value) {
        return parse_error({"run", "http://h/", "--resolve", value});
    };
    CHECK(contains(resolve_error("h:80"), "expected HOST:PORT:ADDR"));
    CHECK(contains(resolve_error("h::127.0.0.1"), "bad port ''"));
    CHECK(contains(resolve_error(":80:127.0.0.1"), "bad host ''"));
    CHECK(contains(resolve_error("h:80:localhost"), "where an IP address goes"));
    CHECK(contains(resolve_error("h:80:127.0.0.1,127.0.0.2"), "one address"));
    // A route that matches no target would let the load go where DNS says.
    CHECK(contains(parse_error({"run", "https://h/", "--resolve", "h:80:127.0.0.1"}),
                   "--resolve h:80:127.0.0.1: matches no target (h:443)"));
    CHECK(contains(parse_error({"run", "http://h/", "--connect-to", "g::127.0.0.1:1"}),
                   "matches no target"));
}

TEST_CASE("--unix-socket takes every connection; its path is checked now") {
    auto plan = parse_run({"run", "http://app.test/x", "--unix-socket", "/tmp/app.sock"});
    CHECK(plan.target.unix_socket_path == "/tmp/app.sock");
    CHECK(plan.target.host_header == "app.test");
    CHECK(contains(parse_error({"run", "http://h/", "--unix-socket", ""}), "the path is empty"));
    const std::string too_long(108, 'x');
    CHECK(contains(parse_error({"run", "http://h/", "--unix-socket", too_long.c_str()}),
                   "at most 107"));
    CHECK(contains(
        parse_error({"run", "http://h/", "--unix-socket", "/s", "--resolve", "h:80:127.0.0.1"}),
        "use one of them"));
    plan::Target target = plan.target;
    REQUIRE(cli::resolve_target(target).ok());
    CHECK(target.address.ss_family == AF_UNIX);
    CHECK(target.address_text == "unix:/tmp/app.sock");
}

TEST_CASE("--connect-to and --resolve change what is resolved, not the target") {
    auto plan =
        parse_run({"run", "http://name.invalid:8080/", "--resolve", "name.invalid:8080:127.0.0.1"});
    REQUIRE(cli::resolve_targets(plan).ok());
    CHECK(plan.target.address_text == "127.0.0.1:8080");
    auto moved = parse_run({"run", "http://name.invalid/", "--connect-to", ":80:[::1]:9"});
    REQUIRE(cli::resolve_targets(moved).ok());
    CHECK(moved.target.address_text == "[::1]:9");
}

TEST_CASE("--target URL is a URL run's URL, once") {
    auto plan = parse_run({"run", "--target", "http://127.0.0.1:9/a", "-c", "1"});
    CHECK(plan.target.host_header == "127.0.0.1:9");
    CHECK(plan.target.path == "/a");
    CHECK(contains(parse_error({"run", "http://h/", "--target", "http://g/"}), "exactly one URL"));
    CHECK(contains(parse_error({"run", "--target", "http://h/", "--target", "http://g/"}),
                   "given twice"));
    CHECK(contains(parse_error({"run", "--target", "h:80"}), "--target: 'h:80' has no scheme"));
    const std::string help = help_text({"run", "--help"});
    for (const char* flag : {"-u, --user USER[:PASS]", "--connect-to HOST:PORT:TO_HOST:TO_PORT",
                             "--resolve HOST:PORT:ADDR", "--unix-socket PATH", "--target URL",
                             "barrage run PROFILE.toml [URL]"}) {
        CHECK_MESSAGE(contains(help, flag), flag);
    }
}

TEST_CASE("a profile run's URL replaces [target] url and urls; the requests' paths stay") {
    const TempFile profile(
        "[target]\nurls = [\"http://10.0.0.1:1\", \"http://10.0.0.2:1\"]\n"
        "[[requests]]\nname = \"a\"\npath = \"/a\"\n"
        "[[requests]]\nname = \"b\"\n"
        "[[phases]]\nshape = \"constant\"\nrate = 5\nduration = \"1s\"\n");
    for (const char* flag : {"", "--target"}) {
        std::vector<const char*> argv{"barrage", "run", profile.path.c_str()};
        if (*flag != '\0') {
            argv.push_back(flag);
        }
        argv.push_back("http://bob:pw@127.0.0.1:8081/default");
        auto command = cli::parse_command_line(static_cast<int>(argv.size()), argv.data());
        REQUIRE_MESSAGE(command.ok(), command.error().message);
        const auto& plan = std::get<RunPlan>(command.value());
        CHECK(plan.more_targets.empty());
        CHECK(plan.target.host_header == "127.0.0.1:8081");
        CHECK(plan.target.credentials->user == "bob");
        REQUIRE(plan.requests.size() == 2);
        CHECK(plan.requests[0].path == "/a");
        CHECK(plan.requests[1].path == "/default");  // the URL's path: the default path
        CHECK_FALSE(contains(plan.command_line, "pw"));
    }
    CHECK(contains(parse_error({"run", profile.path.c_str(), "http://h/", "http://g/"}),
                   "expected barrage run PROFILE.toml [URL]"));
    CHECK(contains(parse_error({"run", profile.path.c_str(), "http://h/", "--target", "http://g/"}),
                   "unexpected argument"));
    CHECK(contains(parse_error({"run", profile.path.c_str(), "h:1"}), "has no scheme"));
}

// ---- live metrics (--metrics-listen, docs/metrics.md) ----

TEST_CASE("--metrics-listen and --metrics-linger go to the run's outputs as given") {
    const RunPlan plan = parse_run(
        {"run", "http://h/", "--metrics-listen", "127.0.0.1:9464", "--metrics-linger", "15s"});
    CHECK(plan.outputs.metrics_listen == "127.0.0.1:9464");  // checked when the run opens it
    CHECK(plan.outputs.metrics_linger_ns == 15 * s);
    const RunPlan plain = parse_run({"run", "http://h/"});
    CHECK(plain.outputs.metrics_listen.empty());
    CHECK(plain.outputs.metrics_linger_ns == 0);
    CHECK(contains(parse_error({"run", "http://h/", "--metrics-linger", "soon"}),
                   "--metrics-linger"));
    CHECK(contains(help_text({"run", "--help"}), "--metrics-listen ADDR:PORT"));
}

TEST_CASE("--dashboard and --dashboard-linger go to the run's outputs as given") {
    const RunPlan plan =
        parse_run({"run", "http://h/", "--dashboard", "127.0.0.1:0", "--dashboard-linger", "2m"});
    CHECK(plan.outputs.dashboard_listen == "127.0.0.1:0");  // checked when the run opens it
    CHECK(plan.outputs.dashboard_linger_ns == 120 * s);
    const RunPlan plain = parse_run({"run", "http://h/"});
    CHECK(plain.outputs.dashboard_listen.empty());
    CHECK(plain.outputs.dashboard_linger_ns == 0);
    CHECK(contains(parse_error({"run", "http://h/", "--dashboard-linger", "-1s"}),
                   "--dashboard-linger"));
    CHECK(contains(help_text({"run", "--help"}), "--dashboard ADDR:PORT"));
    CHECK(contains(parse_error({"find-max", "http://h/", "--slo", "p99 < 1s", "--dashboard", ":0"}),
                   "--dashboard is for barrage run"));
    CHECK(contains(parse_error({"run", "http://h/", "--levels", "c=1,2", "--dashboard", ":0"}),
                   "--dashboard is for one run"));
    // --levels used to drop the live metrics flags without a word.
    CHECK(contains(parse_error({"run", "http://h/", "--levels", "c=1,2", "--metrics-listen", ":0"}),
                   "--metrics-listen is for one run"));
}

TEST_CASE("find-max refuses live metrics and says to use barrage run") {
    for (const char* flag : {"--metrics-listen", "--metrics-linger"}) {
        const std::string message =
            parse_error({"find-max", "http://h/", "--slo", "p99 < 1s", flag, "1"});
        CHECK(contains(message, std::string(flag) + " is for barrage run"));
    }
    CHECK(
        contains(parse_error({"find-max", "http://h/", "--slo", "p99 < 1s", "--metrics-listen=:0"}),
                 "--metrics-listen is for barrage run"));
}

// ---- run --levels, --color, --env-file ----

TEST_CASE("--levels c= runs the URL closed loop at each number of connections, r= at each rate") {
    auto parsed = parse({"run", "http://127.0.0.1:8080/", "--levels", "c=1,10,25", "-d", "2s"});
    REQUIRE(parsed.ok());
    REQUIRE(std::holds_alternative<cli::LevelsRequest>(parsed.value()));
    const auto& request = std::get<cli::LevelsRequest>(parsed.value());
    CHECK(request.dimension == cli::LevelsRequest::Dimension::connections);
    CHECK(request.levels == std::vector<double>{1, 10, 25});
    const auto step = cli::levels_step_plan(request, 25);
    REQUIRE(step.ok());
    CHECK(step.value().connections == 25);
    CHECK_FALSE(plan::is_open_loop(step.value()));
    CHECK(plan::measured_ns(step.value()) == 2 * s);
    CHECK(step.value().outputs.quiet);
    CHECK(step.value().threads <= 25);

    auto rates =
        parse({"run", "http://127.0.0.1:8080/", "--levels", "r=100,1k", "-c", "4", "--json", "-"});
    REQUIRE(rates.ok());
    const auto& open = std::get<cli::LevelsRequest>(rates.value());
    CHECK(open.dimension == cli::LevelsRequest::Dimension::rate);
    CHECK(open.levels == std::vector<double>{100, 1000});
    CHECK(open.json_path == "-");
    const auto at_1k = cli::levels_step_plan(open, 1000);
    REQUIRE(at_1k.ok());
    CHECK(plan::headline_rate_per_s(at_1k.value()) == 1000);
    CHECK(at_1k.value().connections == 4);
    CHECK(at_1k.value().outputs.json_path.empty());  // the sweep writes the JSON, not a level
}

TEST_CASE("--levels refuses bad levels, a second source of the level and single-run outputs") {
    const auto error = [](std::initializer_list<const char*> extra) {
        std::vector<const char*> argv{"barrage", "run", "http://127.0.0.1:8080/"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        auto result = cli::parse_command_line(static_cast<int>(argv.size()), argv.data());
        REQUIRE_FALSE(result.ok());
        return result.error().message;
    };
    CHECK(contains(error({"--levels", "1,10"}), "names no dimension"));
    CHECK(contains(error({"--levels", "c=1,0"}), "--levels c="));
    CHECK(contains(error({"--levels", "c=1,"}), "ends with a comma"));
    CHECK(contains(error({"--levels", "c="}), "--levels c="));
    CHECK(contains(error({"--levels", "r=100,fast"}), "--levels r="));
    CHECK(contains(error({"--levels", "c=1,2", "-c", "3"}), "give the values in --levels only"));
    CHECK(contains(error({"--levels", "r=1", "-r", "3"}), "give the values in --levels only"));
    CHECK(contains(error({"--levels", "c=1", "--csv", "x.csv"}), "--csv is for one run"));
    CHECK(contains(error({"--levels", "c=1", "--threshold", "p99 < 1s"}),
                   "--threshold is for one run"));
}

TEST_CASE("--color takes auto, always or never; --env-file is for profiles") {
    CHECK(parse_run({"run", "http://127.0.0.1:8080/"}).outputs.color == plan::ColorMode::automatic);
    CHECK(parse_run({"run", "http://127.0.0.1:8080/", "--color", "always"}).outputs.color ==
          plan::ColorMode::always);
    CHECK(parse_run({"run", "http://127.0.0.1:8080/", "--color=never"}).outputs.color ==
          plan::ColorMode::never);
    CHECK(parse_error({"run", "http://127.0.0.1:8080/", "--color", "yes"}) ==
          "--color: 'yes' is not a colour mode; use auto, always or never");
    const TempFile env("TOKEN=abc\n");
    CHECK(contains(parse_error({"run", "http://127.0.0.1:8080/", "--env-file", env.path.c_str()}),
                   "--env-file gives the ${NAME} variables of a profile"));
    CHECK(contains(parse_error({"run", "x.toml", "--env-file", "/nonexistent/ci.env"}),
                   "--env-file: cannot read '/nonexistent/ci.env'"));
}

TEST_CASE("--pipeline N sets the depth (default 1) and refuses what cannot pipeline") {
    CHECK(parse_run({"run", "http://h/"}).pipeline == 1);
    CHECK(parse_run({"run", "http://h/", "--pipeline", "16"}).pipeline == 16);
    CHECK(parse_run({"run", "http://h/", "-r", "100", "--pipeline", "256"}).pipeline == 256);
    CHECK(contains(parse_error({"run", "http://h/", "--pipeline", "0"}), "--pipeline"));
    CHECK(contains(parse_error({"run", "http://h/", "--pipeline", "257"}), "--pipeline"));
    CHECK(
        contains(parse_error({"run", "http://h/", "--pipeline", "4", "--new-conn"}), "--new-conn"));
}
