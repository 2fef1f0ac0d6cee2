#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "barrage/watch/cgroup_sampler.h"
#include "barrage/watch/growth.h"
#include "barrage/watch/metrics_scraper.h"
#include "barrage/watch/process_sampler.h"
#include "barrage/watch/prometheus_text.h"
#include "barrage/watch/resource_figures.h"
#include "barrage/watch/watcher.h"

// The decimation helper is private to watch; its test reaches into src/ on purpose.
#include "../../src/watch/watch_impl.h"
#include "test_support.h"

namespace watch = barrage::watch;
namespace fs = std::filesystem;
using barrage::test::contains;
using barrage::test::ScratchDirectory;

namespace {

constexpr const char* status_text =
    "Name:\tnginx\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t4242\nVmPeak:\t  20000 kB\n"
    "VmRSS:\t   12345 kB\nRssAnon:\t    8000 kB\nThreads:\t7\nSigQ:\t0/63000\n";

// utime 150 and stime 50 ticks; the command name holds ") (" and spaces.
constexpr const char* stat_text =
    "4242 (a) (weird name) S 1 4242 4242 0 -1 4194560 900 0 0 0 150 50 0 0 20 0 7 0 1234 "
    "20480000 3086 18446744073709551615\n";

watch::ResourceSample at(double t_s, double rss_mb, int64_t fds = 10, int64_t threads = 4) {
    watch::ResourceSample sample;
    sample.t_s = t_s;
    sample.rss_bytes = static_cast<int64_t>(rss_mb * 1024 * 1024);
    sample.fds = fds;
    sample.threads = threads;
    sample.cpu_s = 0;
    return sample;
}

// One connection on a loopback port, answered with `response`, then closed.
struct OneShotServer {
    barrage::test::LoopbackListener listener;
    uint16_t port = 0;
    std::thread thread;
    std::string request;

    explicit OneShotServer(std::string response) : listener(4) {
        port = listener.port();
        thread = std::thread([this, response = std::move(response)] {
            const int fd = ::accept(listener.fd(), nullptr, nullptr);
            if (fd < 0) {
                return;
            }
            char buffer[4096];
            while (request.find("\r\n\r\n") == std::string::npos) {
                const ssize_t got = ::recv(fd, buffer, sizeof(buffer), 0);
                if (got <= 0) {
                    break;
                }
                request.append(buffer, static_cast<std::size_t>(got));
            }
            (void)::send(fd, response.data(), response.size(), MSG_NOSIGNAL);
            ::close(fd);
        });
    }
    ~OneShotServer() { thread.join(); }
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(port) + path;
    }
};

}  // namespace

// ---- /proc parsers and the process sampler ----

TEST_CASE("proc status gives VmRSS in bytes, the thread count and the state") {
    auto status = watch::parse_proc_status(status_text);
    REQUIRE(status.ok());
    CHECK(status.value().state == 'S');
    REQUIRE(status.value().rss_bytes.has_value());
    CHECK(*status.value().rss_bytes == 12345 * 1024);
    CHECK(status.value().threads == 7);
}

TEST_CASE("a zombie's proc status has no VmRSS and says Z") {
    auto status = watch::parse_proc_status("Name:\tx\nState:\tZ (zombie)\nThreads:\t1\n");
    REQUIRE(status.ok());
    CHECK(status.value().state == 'Z');
    CHECK_FALSE(status.value().rss_bytes.has_value());
}

TEST_CASE("a proc status without Threads or with a bad VmRSS is an error") {
    CHECK_FALSE(watch::parse_proc_status("State:\tS (sleeping)\nVmRSS:\t1 kB\n").ok());
    CHECK_FALSE(watch::parse_proc_status("Threads:\t3\n").ok());
    auto bad = watch::parse_proc_status("State:\tS\nThreads:\t1\nVmRSS:\tmany kB\n");
    REQUIRE_FALSE(bad.ok());
    CHECK(contains(bad.error().message, "VmRSS"));
    // Found by watch_text_fuzz: kB x 1024 past int64 was undefined behaviour.
    auto huge =
        watch::parse_proc_status("State:\tS\nThreads:\t1\nVmRSS:\t6752184552660955592 kB\n");
    REQUIRE_FALSE(huge.ok());
    CHECK(contains(huge.error().message, "out of range"));
    CHECK_FALSE(watch::parse_proc_status("State:\tS\nThreads:\t1\nVmRSS:\t-4 kB\n").ok());
}

TEST_CASE("proc stat cpu ticks count fields from the last parenthesis") {
    auto ticks = watch::parse_proc_stat_cpu_ticks(stat_text);
    REQUIRE(ticks.ok());
    CHECK(ticks.value() == 200);
    CHECK_FALSE(watch::parse_proc_stat_cpu_ticks("4242 (x) S 1 2 3").ok());
    CHECK_FALSE(watch::parse_proc_stat_cpu_ticks("no parenthesis at all").ok());
    CHECK_FALSE(
        watch::parse_proc_stat_cpu_ticks("1 (x) S 1 1 1 0 -1 0 0 0 0 0 u s 0 0 20 0 1").ok());
    CHECK_FALSE(watch::parse_proc_stat_cpu_ticks(
                    "1 (x) S 1 1 1 0 -1 0 0 0 0 0 9223372036854775807 1 0 0 20 0 1")
                    .ok());
}

TEST_CASE("the process sampler reads a proc tree and reports exited once it is gone") {
    const ScratchDirectory proc("barrage-watch");
    proc.write("4242/status", status_text);
    proc.write("4242/stat", stat_text);
    proc.write("4242/comm", "nginx\n");
    for (const char* fd : {"0", "1", "2", "5"}) {
        proc.write(std::string("4242/fd/") + fd, "");
    }
    auto sampler = watch::ProcessSampler::open(4242, proc.path());
    REQUIRE(sampler.ok());
    CHECK(sampler.value()->name() == "pid 4242 (nginx)");
    watch::ResourceSample sample;
    REQUIRE(sampler.value()->sample(sample) == watch::SampleStatus::ok);
    CHECK(sample.rss_bytes == 12345 * 1024);
    CHECK(sample.threads == 7);
    CHECK(sample.fds == 4);
    CHECK(sample.cpu_s == doctest::Approx(200.0 / static_cast<double>(::sysconf(_SC_CLK_TCK))));

    proc.write("4242/status", "Name:\tnginx\nState:\tZ (zombie)\nThreads:\t1\n");
    CHECK(sampler.value()->sample(sample) == watch::SampleStatus::exited);
    fs::remove_all(proc.file("4242"));
    CHECK(sampler.value()->sample(sample) == watch::SampleStatus::exited);
}

TEST_CASE("watching a process id that does not exist is an error naming it") {
    const ScratchDirectory proc("barrage-watch");
    auto sampler = watch::ProcessSampler::open(99999, proc.path());
    REQUIRE_FALSE(sampler.ok());
    CHECK(contains(sampler.error().message, "--watch-pid 99999: no process with this id"));
}

TEST_CASE("the process sampler reads this test process from the real /proc") {
    auto sampler = watch::ProcessSampler::open(static_cast<int>(::getpid()));
    REQUIRE(sampler.ok());
    watch::ResourceSample sample;
    REQUIRE(sampler.value()->sample(sample) == watch::SampleStatus::ok);
    CHECK(sample.rss_bytes > 0);
    CHECK(sample.threads >= 1);
    CHECK(sample.fds >= 3);
    CHECK(sample.cpu_s >= 0);
}

// ---- cgroup v2 ----

TEST_CASE("the cgroup sampler reads memory.current, cpu.stat and pids.current") {
    const ScratchDirectory cgroup("barrage-watch");
    cgroup.write("memory.current", "104857600\n");
    cgroup.write("cpu.stat", "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n");
    cgroup.write("pids.current", "12\n");
    auto sampler = watch::CgroupSampler::open(cgroup.path());
    REQUIRE(sampler.ok());
    watch::ResourceSample sample;
    REQUIRE(sampler.value()->sample(sample) == watch::SampleStatus::ok);
    CHECK(sample.rss_bytes == 104857600);
    CHECK(sample.cpu_s == doctest::Approx(2.5));
    CHECK(sample.threads == 12);
    CHECK(sample.fds == -1);
    fs::remove(cgroup.file("pids.current"));
    REQUIRE(sampler.value()->sample(sample) == watch::SampleStatus::ok);
    CHECK(sample.threads == -1);
    fs::remove(cgroup.file("memory.current"));
    CHECK(sampler.value()->sample(sample) == watch::SampleStatus::exited);
}

TEST_CASE("a cgroup path that is missing, a file, or not cgroup v2 is an error") {
    const ScratchDirectory dir("barrage-watch");
    auto missing = watch::CgroupSampler::open(dir.file("nope"));
    REQUIRE_FALSE(missing.ok());
    CHECK(contains(missing.error().message, "no such directory"));
    CHECK(contains(missing.error().message, "--watch-cgroup"));
    dir.write("file", "x");
    auto file = watch::CgroupSampler::open(dir.file("file"));
    REQUIRE_FALSE(file.ok());
    CHECK(contains(file.error().message, "not a directory"));
    auto empty = watch::CgroupSampler::open(dir.path());
    REQUIRE_FALSE(empty.ok());
    CHECK(contains(empty.error().message, "memory.current"));
    dir.write("memory.current", "1\n");
    dir.write("cpu.stat", "user_usec 1\n");
    auto no_usage = watch::CgroupSampler::open(dir.path());
    REQUIRE_FALSE(no_usage.ok());
    CHECK(watch::parse_cgroup_cpu_usage_us("usage_usec 7\n").value() == 7);
}

// ---- Prometheus text ----

TEST_CASE("the Prometheus parser keeps the chosen series with their labels") {
    const std::string text =
        "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
        "# TYPE process_resident_memory_bytes gauge\n"
        "process_resident_memory_bytes 2.4576e+07\n"
        "http_requests_total{code=\"200\", method=\"get\"} 1027 1395066363000\n"
        "http_requests_total{code=\"500\",method=\"get\"} 3\r\n"
        "http_requests_total_other 9\n"
        "  go_goroutines   42\n"
        "queue_depth{name=\"a } b\",note=\"say \\\"hi\\\"\"} +Inf\n"
        "queue_depth{} NaN\n"
        "queue_depth{broken=\"x\" 5\n"
        "queue_depth 12abc\n"
        "\n";
    const std::vector<std::string> names = {"process_resident_memory_bytes", "http_requests_total",
                                            "go_goroutines", "queue_depth"};
    const auto series = watch::parse_prometheus_text(text, names);
    REQUIRE(series.size() == 6);
    CHECK(series[0].key == "process_resident_memory_bytes");
    CHECK(series[0].value == 24576000.0);
    CHECK(series[1].key == "http_requests_total{code=\"200\",method=\"get\"}");
    CHECK(series[1].value == 1027.0);
    CHECK(series[2].key == "http_requests_total{code=\"500\",method=\"get\"}");
    CHECK(series[3].key == "go_goroutines");
    CHECK(series[3].value == 42.0);
    CHECK(series[4].key == "queue_depth{name=\"a } b\",note=\"say \\\"hi\\\"\"}");
    CHECK(std::isinf(series[4].value));
    CHECK(series[5].key == "queue_depth");
    CHECK(std::isnan(series[5].value));

    const std::vector<std::string> one = {"go_goroutines"};
    CHECK(watch::parse_prometheus_text(text, one).size() == 1);
    CHECK(watch::parse_prometheus_text("", names).empty());
}

TEST_CASE("metric names follow the Prometheus rules") {
    CHECK(watch::is_metric_name("http_requests_total"));
    CHECK(watch::is_metric_name("ns:rate5m"));
    CHECK_FALSE(watch::is_metric_name("9lives"));
    CHECK_FALSE(watch::is_metric_name("with-dash"));
    CHECK_FALSE(watch::is_metric_name(""));
}

TEST_CASE("metrics URLs: host, port, path and the errors") {
    auto url = watch::parse_metrics_url("http://127.0.0.1:9100/metrics?x=1");
    REQUIRE(url.ok());
    CHECK(url.value().host == "127.0.0.1");
    CHECK(url.value().port == 9100);
    CHECK(url.value().path == "/metrics?x=1");
    CHECK(url.value().host_header == "127.0.0.1:9100");
    auto bare = watch::parse_metrics_url("http://localhost");
    REQUIRE(bare.ok());
    CHECK(bare.value().port == 80);
    CHECK(bare.value().path == "/metrics");
    auto v6 = watch::parse_metrics_url("http://[::1]:8080/m");
    REQUIRE(v6.ok());
    CHECK(v6.value().host == "::1");
    CHECK(v6.value().port == 8080);
    for (const char* bad :
         {"https://127.0.0.1/metrics", "127.0.0.1:9100", "http://:80/", "http://host:0/",
          "http://host:99999/", "http://host:/", "http://[::1/", "http://host:9x/"}) {
        auto parsed = watch::parse_metrics_url(bad);
        CHECK_MESSAGE(!parsed.ok(), bad);
        if (!parsed.ok()) {
            CHECK(contains(parsed.error().message, "--watch-url"));
        }
    }
}

TEST_CASE("the scraper fetches a body with an HTTP/1.0 GET") {
    OneShotServer server("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nup 1\nmem 5\n");
    auto scraper = watch::MetricsScraper::open(server.url("/m"), 2'000'000'000);
    REQUIRE(scraper.ok());
    auto body = scraper.value().fetch();
    REQUIRE(body.ok());
    CHECK(body.value() == "up 1\nmem 5\n");
    // wait for the server thread to have stored the request
    server.thread.join();
    server.thread = std::thread([] {});
    CHECK(server.request.starts_with("GET /m HTTP/1.0\r\n"));
}

TEST_CASE("the scraper reports a status other than 200, a refused connect and an unknown host") {
    {
        OneShotServer server("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        auto scraper = watch::MetricsScraper::open(server.url("/"), 2'000'000'000);
        REQUIRE(scraper.ok());
        auto body = scraper.value().fetch();
        REQUIRE_FALSE(body.ok());
        CHECK(contains(body.error().message, "404"));
    }
    {
        OneShotServer server("garbage");
        auto scraper = watch::MetricsScraper::open(server.url("/"), 2'000'000'000);
        REQUIRE(scraper.ok());
        CHECK_FALSE(scraper.value().fetch().ok());
    }
    auto refused = watch::MetricsScraper::open("http://127.0.0.1:1/metrics", 1'000'000'000);
    REQUIRE(refused.ok());
    auto body = refused.value().fetch();
    REQUIRE_FALSE(body.ok());
    CHECK(contains(body.error().message, "connect"));
    auto unknown = watch::MetricsScraper::open("http://no-such-host.invalid/metrics", 1'000'000);
    REQUIRE_FALSE(unknown.ok());
    CHECK(contains(unknown.error().message, "cannot resolve"));
}

// ---- growth ----

TEST_CASE("the least-squares slope of points on a line is the line's slope") {
    const std::vector<double> x = {0, 1, 2, 3, 4};
    const std::vector<double> y = {3, 5, 7, 9, 11};
    CHECK(watch::least_squares_slope(x, y).value() == doctest::Approx(2.0));
    const std::vector<double> noisy = {3, 5.5, 6.5, 9.2, 10.8};
    CHECK(watch::least_squares_slope(x, noisy).value() == doctest::Approx(1.95).epsilon(0.01));
    const std::vector<double> same_x = {1, 1};
    const std::vector<double> two = {1, 2};
    CHECK_FALSE(watch::least_squares_slope(same_x, two).has_value());
    CHECK_FALSE(
        watch::least_squares_slope(std::vector<double>{1}, std::vector<double>{1}).has_value());
}

TEST_CASE("steady RSS growth above the limit is a suspected leak, still climbing") {
    std::vector<watch::ResourceSample> samples;
    for (int second = 0; second <= 10; ++second) {
        samples.push_back(at(second, 100 + second * 0.5));  // 0.5 MB/s = 30 MB/min
    }
    const auto growth = watch::analyze_growth(samples, watch::LeakLimits{});
    CHECK(growth.rss_mb_per_min.value() == doctest::Approx(30.0));
    CHECK(growth.fds_per_min.value() == doctest::Approx(0.0));
    CHECK(growth.threads_per_min.value() == doctest::Approx(0.0));
    CHECK(growth.still_climbing);
    CHECK(growth.leak_suspected);
    // A limit above the growth, and the same samples are fine.
    const auto relaxed = watch::analyze_growth(samples, watch::LeakLimits{40, 10, 1});
    CHECK_FALSE(relaxed.still_climbing);
    CHECK_FALSE(relaxed.leak_suspected);
}

TEST_CASE("flat resources are not a leak, and warm-up growth is left out") {
    std::vector<watch::ResourceSample> samples;
    for (int second = -5; second < 0; ++second) {
        samples.push_back(at(second, 50 + (second + 5) * 10.0, 5 + (second + 5), 2));
    }
    for (int second = 0; second <= 10; ++second) {
        samples.push_back(at(second, 100 + (second % 2) * 0.01, 10, 4));
    }
    const auto growth = watch::analyze_growth(samples, watch::LeakLimits{});
    CHECK(std::fabs(growth.rss_mb_per_min.value()) < 0.1);
    CHECK(growth.fds_per_min.value() == doctest::Approx(0.0));
    CHECK_FALSE(growth.still_climbing);
    CHECK_FALSE(growth.leak_suspected);
}

TEST_CASE("samples after the measured end are left out of the fit") {
    std::vector<watch::ResourceSample> samples;
    for (int second = 0; second <= 10; ++second) {
        samples.push_back(at(second, 100, 50, 4));
    }
    samples.push_back(at(10.2, 100, 5, 2));  // after the drain: connections closed
    const auto cut = watch::analyze_growth(samples, watch::LeakLimits{}, 10.0);
    CHECK(cut.fds_per_min.value() == 0.0);
    CHECK(cut.threads_per_min.value() == 0.0);
    const auto all = watch::analyze_growth(samples, watch::LeakLimits{});
    CHECK(all.fds_per_min.value() < -1.0);
}

TEST_CASE("growth that stopped early is not still climbing; fds and threads have limits too") {
    std::vector<watch::ResourceSample> plateau;
    for (int second = 0; second <= 60; ++second) {
        plateau.push_back(at(second, 100 + std::min(second, 5) * 1.0));  // +5 MB, then flat
    }
    const auto flattened = watch::analyze_growth(plateau, watch::LeakLimits{});
    CHECK_FALSE(flattened.still_climbing);
    CHECK_FALSE(flattened.leak_suspected);

    std::vector<watch::ResourceSample> fds;
    for (int second = 0; second <= 12; ++second) {
        fds.push_back(at(second, 100, 10 + second, 4 + second / 6));  // 60 fds/min, 10 thr/min
    }
    const auto leaking = watch::analyze_growth(fds, watch::LeakLimits{});
    CHECK(leaking.fds_per_min.value() == doctest::Approx(60.0));
    CHECK(leaking.threads_per_min.value() > 1.0);
    CHECK(leaking.leak_suspected);
    const auto relaxed = watch::analyze_growth(fds, watch::LeakLimits{10, 100, 100});
    CHECK_FALSE(relaxed.leak_suspected);
}

TEST_CASE("too few measured samples give no slope and no verdict; unknown fields stay unknown") {
    std::vector<watch::ResourceSample> samples = {at(-1, 10), at(0, 500), at(1, 900)};
    const auto growth = watch::analyze_growth(samples, watch::LeakLimits{});
    CHECK_FALSE(growth.rss_mb_per_min.has_value());
    CHECK_FALSE(growth.leak_suspected);
    std::vector<watch::ResourceSample> cgroup;
    for (int second = 0; second < 5; ++second) {
        cgroup.push_back(at(second, 10, -1, -1));
    }
    const auto cgroup_growth = watch::analyze_growth(cgroup, watch::LeakLimits{});
    CHECK(cgroup_growth.rss_mb_per_min.has_value());
    CHECK_FALSE(cgroup_growth.fds_per_min.has_value());
    CHECK_FALSE(cgroup_growth.threads_per_min.has_value());
}

// ---- the watcher ----

TEST_CASE(
    "resource figures: the largest and first RSS, CPU share and counts of the measured period") {
    std::vector<watch::ResourceSample> samples = {at(-1, 900, 99, 99), at(0, 100, 10, 4),
                                                  at(10, 300, 30, 6), at(20, 200, 20, 5),
                                                  at(30, 950, 99, 99)};
    samples[1].cpu_s = 5;
    samples[2].cpu_s = 10;
    samples[3].cpu_s = 19;
    samples[4].cpu_s = 100;
    watch::Growth growth;
    growth.rss_mb_per_min = 50;
    // Warm-up (t < 0) and after the measured end (t > 20) are left out.
    const auto figures = watch::resource_figures(samples, growth, 20);
    CHECK(figures.rss_max_mb == doctest::Approx(300));
    CHECK(figures.rss_initial_mb == doctest::Approx(100));
    CHECK(figures.fds_max == doctest::Approx(30));
    CHECK(figures.threads_max == doctest::Approx(6));
    CHECK(figures.cpu_share == doctest::Approx(0.7));                 // 14 CPU seconds over 20 s
    CHECK(figures.rss_growth_share_per_min == doctest::Approx(0.5));  // 50 MB/min of 100 MB
}

TEST_CASE("resource figures: unknown values stay unknown, one sample has no CPU share") {
    std::vector<watch::ResourceSample> samples = {at(0, 100, -1, -1)};
    samples[0].cpu_s = 3;
    const auto figures = watch::resource_figures(samples, watch::Growth{});
    CHECK(figures.rss_max_mb == doctest::Approx(100));
    CHECK_FALSE(figures.fds_max);
    CHECK_FALSE(figures.threads_max);
    CHECK_FALSE(figures.cpu_share);
    CHECK_FALSE(figures.rss_growth_share_per_min);
    CHECK_FALSE(watch::resource_figures({}, watch::Growth{}).rss_max_mb);
}

TEST_CASE("several targets: each figure is the largest of any target's, never a sum") {
    watch::WatchResult result;
    result.targets.resize(2);
    result.targets[0].samples = {at(0, 100, 10, 2), at(10, 120, 10, 2)};
    result.targets[1].samples = {at(0, 500, 5, 8), at(10, 400, 5, 8)};
    result.targets[0].samples[1].cpu_s = 5;  // 0.5 of a core
    result.targets[1].samples[1].cpu_s = 2;
    const auto figures = watch::largest_resource_figures(result);
    CHECK(figures.rss_max_mb == doctest::Approx(500));
    CHECK(figures.rss_initial_mb == doctest::Approx(500));
    CHECK(figures.fds_max == doctest::Approx(10));
    CHECK(figures.threads_max == doctest::Approx(8));
    CHECK(figures.cpu_share == doctest::Approx(0.5));
}

TEST_CASE("the watcher samples this process and times samples from the measured start") {
    watch::WatchOptions options;
    options.pids = {static_cast<int>(::getpid())};
    options.interval_ns = 100'000'000;
    auto watcher = watch::Watcher::open(options);
    REQUIRE(watcher.ok());
    watcher.value()->start();
    watcher.value()->tick();
    const auto result = watcher.value()->stop(0);
    REQUIRE(result.targets.size() == 1);
    const auto& target = result.targets[0];
    CHECK(target.kind == "pid");
    CHECK(contains(target.name, "pid " + std::to_string(::getpid())));
    REQUIRE_FALSE(target.samples.empty());
    CHECK(target.samples[0].rss_bytes > 0);
    // measured start 0 = the epoch: t_s is the wall clock in seconds.
    CHECK(target.samples[0].t_s > 1e9);
    CHECK_FALSE(target.exited_at_s.has_value());
    CHECK(result.url.empty());
}

TEST_CASE("the watcher refuses a missing PID, a missing cgroup and a bad URL before starting") {
    watch::WatchOptions pid;
    pid.pids = {static_cast<int>(::getpid()), 999'999'999};
    auto bad_pid = watch::Watcher::open(pid);
    REQUIRE_FALSE(bad_pid.ok());
    CHECK(contains(bad_pid.error().message, "--watch-pid 999999999"));
    watch::WatchOptions cgroup;
    cgroup.cgroup_path = "/no/such/cgroup";
    CHECK_FALSE(watch::Watcher::open(cgroup).ok());
    watch::WatchOptions url;
    url.url = "ftp://127.0.0.1/";
    CHECK_FALSE(watch::Watcher::open(url).ok());
}

TEST_CASE("the watcher keeps the scraped series and counts failed scrapes") {
    OneShotServer server("HTTP/1.0 200 OK\r\n\r\nup 1\nmem{a=\"b\"} 5\nother 3\n");
    watch::WatchOptions options;
    options.url = server.url("/metrics");
    options.series = {"mem", "up"};
    options.interval_ns = 50'000'000;
    auto watcher = watch::Watcher::open(options);
    REQUIRE(watcher.ok());
    watcher.value()->start();
    const auto result = watcher.value()->stop(0);
    CHECK(result.url == options.url);
    CHECK(result.scrapes >= 1);
    // The one-shot server answers the first scrape; any later one is refused.
    CHECK(result.scrape_failures == result.scrapes - 1);
    REQUIRE(result.series.size() == 2);
    CHECK(result.series[0].key == "up");
    CHECK(result.series[1].key == "mem{a=\"b\"}");
    CHECK(result.series[1].values.at(0) == 5.0);
}

TEST_CASE("keeping every other sample halves a series and keeps its first and time span") {
    std::vector<int> items = {0, 1, 2, 3, 4, 5, 6};
    watch::detail::keep_every_other(items);
    CHECK(items == std::vector<int>{0, 2, 4, 6});
    std::vector<int> even = {0, 1, 2, 3};
    watch::detail::keep_every_other(even);
    CHECK(even == std::vector<int>{0, 2});
    std::vector<int> empty;
    watch::detail::keep_every_other(empty);
    CHECK(empty.empty());
    static_assert(watch::samples_per_target_max >= 86'400, "a day at 1 s intervals fits");
}
