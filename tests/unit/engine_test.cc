// The engine end to end inside one process: real sockets on loopback against
// a tiny blocking server thread. Asserts counts and relationships, never speed.

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "barrage/engine/run.h"
#include "test_support.h"

namespace {

using barrage::plan::RunPlan;

constexpr int64_t ms_ns = 1'000'000;

// How a TinyServer treats each connection.
enum class Answer {
    every_request,          // answers each request (head only; bodies are not framed)
    early_then_never_read,  // answers the first head at once, then never reads again
    once_then_half_close,   // answers the first head, sends FIN, drops whatever comes
    early_then_read_body,   // answers each head at once, then reads its body (Content-Length)
    answers_then_silent,    // answers each request for the connection's first 100 ms, then none
};

// Answers requests on every connection with a fixed response.
class TinyServer {
public:
    explicit TinyServer(std::string response, Answer answer = Answer::every_request)
        : response_(std::move(response)), answer_(answer) {
        acceptor_ = std::thread([this] { accept_loop(); });
    }
    ~TinyServer() {
        stop_ = true;
        listener_.close();
        acceptor_.join();
        for (int fd : client_fds_) {
            shutdown(fd, SHUT_RDWR);
        }
        for (auto& t : handlers_) {
            t.join();
        }
        for (int fd : client_fds_) {
            close(fd);
        }
    }
    uint16_t port() const { return listener_.port(); }
    int accepted() const { return accepted_.load(); }

private:
    void accept_loop() {
        const int listen_fd = listener_.fd();  // read once: the destructor closes it
        while (!stop_) {
            const int fd = accept(listen_fd, nullptr, nullptr);
            if (fd < 0) {
                return;
            }
            ++accepted_;
            client_fds_.push_back(fd);
            handlers_.emplace_back([this, fd] { serve(fd); });
        }
    }
    void serve(int fd) {
        if (answer_ == Answer::early_then_read_body) {
            serve_early(fd);
            return;
        }
        if (answer_ != Answer::every_request && answer_ != Answer::answers_then_silent) {
            serve_once(fd);
            return;
        }
        const auto silent_from = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
        std::string pending;
        char buffer[4096];
        for (;;) {
            const ssize_t n = read(fd, buffer, sizeof(buffer));
            if (n <= 0) {
                return;
            }
            pending.append(buffer, static_cast<size_t>(n));
            for (auto end = pending.find("\r\n\r\n"); end != std::string::npos;
                 end = pending.find("\r\n\r\n")) {
                pending.erase(0, end + 4);
                if (answer_ == Answer::answers_then_silent &&
                    std::chrono::steady_clock::now() >= silent_from) {
                    continue;
                }
                if (write(fd, response_.data(), response_.size()) < 0) {
                    return;
                }
            }
        }
    }

    // Answers each request as soon as its head is in, before its body, then
    // reads the body (and nothing of it answers again), like a server that
    // rejects a request by its headers but keeps the connection.
    void serve_early(int fd) {
        const int small = 64 * 1024;  // the body cannot all wait in buffers
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
        std::string pending;
        char buffer[4096];
        std::size_t body_left = 0;
        for (;;) {
            const ssize_t n = read(fd, buffer, sizeof(buffer));
            if (n <= 0) {
                return;
            }
            pending.append(buffer, static_cast<size_t>(n));
            for (;;) {
                const std::size_t skipped = std::min(body_left, pending.size());
                pending.erase(0, skipped);
                body_left -= skipped;
                const auto end = pending.find("\r\n\r\n");
                if (body_left > 0 || end == std::string::npos) {
                    break;
                }
                const auto length = pending.find("Content-Length: ");
                body_left = length < end ? std::stoul(pending.substr(length + 16)) : 0;
                pending.erase(0, end + 4);
                if (write(fd, response_.data(), response_.size()) < 0) {
                    return;
                }
            }
        }
    }

    // Reads up to the end of the first head, answers, then misbehaves.
    void serve_once(int fd) {
        if (answer_ == Answer::early_then_never_read) {
            const int small = 64 * 1024;  // what is never read stays small
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
        }
        std::string pending;
        char buffer[4096];
        while (pending.find("\r\n\r\n") == std::string::npos) {
            const ssize_t n = read(fd, buffer, sizeof(buffer));
            if (n <= 0) {
                return;
            }
            pending.append(buffer, static_cast<size_t>(n));
        }
        if (write(fd, response_.data(), response_.size()) < 0) {
            return;
        }
        if (answer_ == Answer::early_then_never_read) {
            while (!stop_) {
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
            return;
        }
        shutdown(fd, SHUT_WR);
        while (read(fd, buffer, sizeof(buffer)) > 0) {
        }
    }

    std::string response_;
    Answer answer_;
    barrage::test::LoopbackListener listener_;
    std::atomic<bool> stop_{false};
    std::atomic<int> accepted_{0};
    std::thread acceptor_;
    std::vector<int> client_fds_;
    std::vector<std::thread> handlers_;
};

RunPlan plan_for(uint16_t port, int connections, int threads) {
    RunPlan plan;
    auto* addr = reinterpret_cast<sockaddr_in*>(&plan.target.address);
    addr->sin_family = AF_INET;
    addr->sin_port = htons(port);
    addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    plan.target.address_len = sizeof(sockaddr_in);
    plan.target.host = "127.0.0.1";
    plan.target.port = port;
    plan.target.host_header = "127.0.0.1:" + std::to_string(port);
    plan.target.address_text = plan.target.host_header;
    plan.connections = connections;
    plan.threads = threads;
    plan.pin = false;
    barrage::plan::set_url_run(plan, {std::nullopt, 300 * ms_ns, 0});
    plan.timeout_ns = 2000 * ms_ns;
    plan.interval_ns = 100 * ms_ns;
    plan.outputs.quiet = true;
    return plan;
}

const char* ok_response = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

}  // namespace

TEST_CASE("closed loop: every sent request completes and is counted once") {
    TinyServer server(ok_response);
    const RunPlan plan = plan_for(server.port(), 4, 2);
    auto result = barrage::engine::run_load(plan, {});
    REQUIRE(result.ok());
    const auto& c = result.value().totals.counters;
    CHECK(c.requests_completed > 0);
    CHECK(c.requests_errors == 0);
    CHECK(c.requests_sent == c.requests_completed + c.requests_unfinished);
    CHECK(c.status_code[200] == c.requests_completed);
    CHECK(result.value().totals.latency_us.total_count() == c.requests_completed);
    CHECK(c.connections_opened == 4);
    CHECK(server.accepted() == 4);
}

TEST_CASE("open loop: the number sent equals the schedule's integral") {
    TinyServer server(ok_response);
    RunPlan plan = plan_for(server.port(), 8, 2);
    barrage::plan::set_url_run(plan, {1000.0, 500 * ms_ns, 0});
    auto result = barrage::engine::run_load(plan, {});
    REQUIRE(result.ok());
    const auto& c = result.value().totals.counters;
    CHECK(c.requests_sent + c.requests_unsent == 500);
    CHECK(c.requests_completed == c.requests_sent);
    CHECK(result.value().totals.schedule_lag_us.total_count() == c.requests_sent);
}

TEST_CASE("a run planned for an hour and stopped early builds rows only up to the stop") {
    TinyServer server(ok_response);
    RunPlan plan = plan_for(server.port(), 4, 2);
    barrage::plan::set_url_run(plan, {1000.0, 3600 * 1000 * ms_ns, 0});
    int starts = 0;
    int rows_seen = 0;
    int rows_before_start = 0;
    barrage::engine::RunHooks hooks;
    hooks.on_start = [&](int64_t measured_start_unix_ms) {
        ++starts;
        CHECK(measured_start_unix_ms > 0);
    };
    hooks.on_interval = [&](const barrage::stats::IntervalRow&, double, double, bool) {
        ++rows_seen;
        rows_before_start += starts == 0 ? 1 : 0;
    };
    // Stops sending after the first measured interval, as a signal would.
    hooks.stop_check = [](const barrage::stats::RunResult&) -> std::optional<std::string> {
        return std::string("enough");
    };
    auto result = barrage::engine::run_load(plan, hooks);
    REQUIRE(result.ok());
    const auto& r = result.value();
    CHECK(starts == 1);
    CHECK(rows_before_start == 0);
    // Not one row per planned interval (36 000): only those that ran, the stop's one cut short.
    CHECK(rows_seen <= 3);
    REQUIRE(!r.intervals.empty());
    CHECK(static_cast<int>(r.intervals.size()) == rows_seen);
    CHECK(r.intervals.back().t_s == doctest::Approx(r.duration_s));
    CHECK(r.duration_s < 1.0);
    // The schedule ended at the stop: what was due until then is sent or unsent, no more
    // (give or take the few milliseconds each worker takes to see the stop).
    const auto& c = r.totals.counters;
    CHECK(c.requests_sent + c.requests_unsent <= static_cast<int64_t>(r.duration_s * 1000) + 20);
    CHECK(c.requests_sent == c.requests_completed + c.requests_errors + c.requests_unfinished);
}

TEST_CASE("warm-up requests are excluded from the results") {
    TinyServer server(ok_response);
    RunPlan plan = plan_for(server.port(), 4, 1);
    barrage::plan::set_url_run(plan, {1000.0, 300 * ms_ns, 200 * ms_ns});
    std::vector<bool> warmup_flags;
    barrage::engine::RunHooks hooks;
    hooks.on_interval = [&](const barrage::stats::IntervalRow&, double, double, bool warmup) {
        warmup_flags.push_back(warmup);
    };
    auto result = barrage::engine::run_load(plan, hooks);
    REQUIRE(result.ok());
    const auto& c = result.value().totals.counters;
    // A request belongs to the period of its intended send time: 300 ms of
    // 1000/s are measured, each either sent or (on a stalled machine) unsent.
    CHECK(c.requests_sent + c.requests_unsent >= 299);
    CHECK(c.requests_sent + c.requests_unsent <= 301);
    CHECK(c.requests_sent == c.requests_completed + c.requests_errors + c.requests_unfinished);
    REQUIRE(warmup_flags.size() == 5);
    CHECK(warmup_flags[0]);
    CHECK(warmup_flags[1]);
    CHECK_FALSE(warmup_flags[2]);
    CHECK(result.value().intervals.size() == 3);
}

TEST_CASE("the live hook sees every interval, cumulative totals ending at the run's, and levels") {
    TinyServer server(ok_response);
    RunPlan plan = plan_for(server.port(), 4, 2);
    plan.interval_ns = 100 * ms_ns;
    barrage::plan::set_url_run(plan, {1000.0, 300 * ms_ns, 200 * ms_ns});
    std::vector<bool> warmup_flags;
    std::vector<int64_t> sent_so_far;
    std::vector<double> target_rates;
    int64_t connections_max = 0;
    barrage::engine::RunHooks hooks;
    hooks.on_live = [&](const barrage::engine::LiveInterval& live) {
        warmup_flags.push_back(live.warmup);
        sent_so_far.push_back(live.totals.counters.requests_sent);
        target_rates.push_back(live.target_rate_rps.value_or(-1));
        connections_max = std::max(connections_max, live.gauges.connections_open);
        CHECK(live.latency_us.total_count() == live.counters.requests_completed);
    };
    auto result = barrage::engine::run_load(plan, hooks);
    REQUIRE(result.ok());
    const auto& r = result.value();
    REQUIRE(warmup_flags.size() == 5);  // 2 warm-up intervals, then 3 measured
    CHECK(warmup_flags[1]);
    CHECK_FALSE(warmup_flags[2]);
    CHECK(std::is_sorted(sent_so_far.begin(), sent_so_far.end()));  // cumulative
    CHECK(sent_so_far.back() == r.totals.counters.requests_sent);   // the last one is the run's
    for (const double rate : target_rates) {
        CHECK(rate == doctest::Approx(1000.0));  // the schedule's rate, warm-up included
    }
    for (const auto& row : r.intervals) {  // and each measured row keeps it
        CHECK(row.target_rps.value_or(-1) == doctest::Approx(1000.0));
    }
    CHECK(connections_max == 4);
}

TEST_CASE("the result-so-far hook sees each measured interval once, with the asked rate") {
    TinyServer server(ok_response);
    RunPlan plan = plan_for(server.port(), 4, 2);
    plan.interval_ns = 100 * ms_ns;
    barrage::plan::set_url_run(plan, {1000.0, 300 * ms_ns, 200 * ms_ns});
    std::vector<std::size_t> rows;
    std::vector<int64_t> sent_so_far;
    barrage::engine::RunHooks hooks;
    hooks.on_result_so_far = [&](const barrage::stats::RunResult& so_far) {
        REQUIRE_FALSE(so_far.intervals.empty());
        rows.push_back(so_far.intervals.size());
        sent_so_far.push_back(so_far.totals.counters.requests_sent);
        // Its time covers its totals (they may run ahead of the rows), never less than the rows.
        CHECK(so_far.duration_s >= so_far.intervals.back().t_s - 1e-9);
        CHECK(so_far.duration_s <= 0.3 + 1e-9);
        CHECK(so_far.asked_rate_rps == doctest::Approx(1000.0));
    };
    auto result = barrage::engine::run_load(plan, hooks);
    REQUIRE(result.ok());
    CHECK(rows == std::vector<std::size_t>{1, 2, 3});  // measured intervals only, in order
    CHECK(result.value().intervals.back().connections_open == 4);  // -c 4, kept alive
    CHECK(std::is_sorted(sent_so_far.begin(), sent_so_far.end()));
    CHECK(sent_so_far.back() == result.value().totals.counters.requests_sent);
}

TEST_CASE("without an open-loop phase the live hook has no target rate") {
    TinyServer server(ok_response);
    RunPlan plan = plan_for(server.port(), 2, 1);
    barrage::plan::set_url_run(plan, {std::nullopt, 200 * ms_ns, 0});
    plan.interval_ns = 100 * ms_ns;
    int calls = 0;
    barrage::engine::RunHooks hooks;
    hooks.on_live = [&](const barrage::engine::LiveInterval& live) {
        ++calls;
        CHECK_FALSE(live.target_rate_rps.has_value());
        CHECK(live.gauges.requests_in_flight <= 2);
    };
    auto result = barrage::engine::run_load(plan, hooks);
    REQUIRE(result.ok());
    CHECK(calls == 2);
    for (const auto& row : result.value().intervals) {
        CHECK_FALSE(row.target_rps.has_value());  // no schedule: no target line
    }
}

TEST_CASE("each interval row carries the schedule's rate over it, so a ramp's target rises") {
    TinyServer server(ok_response);
    RunPlan plan = plan_for(server.port(), 4, 1);
    plan.interval_ns = 100 * ms_ns;
    plan.phases = {barrage::plan::PhasePlan{.name = "ramp",
                                            .kind = barrage::plan::PhaseKind::ramp,
                                            .duration_ns = 400 * ms_ns,
                                            .rate_per_s = 100,
                                            .rate_end_per_s = 900}};
    plan.main_phase = 0;
    auto result = barrage::engine::run_load(plan, {});
    REQUIRE(result.ok());
    const auto& rows = result.value().intervals;
    REQUIRE(rows.size() == 4);
    // Linear 100 -> 900 over 0.4 s: each 0.1 s interval's mean rate is its midpoint's.
    const double expected[] = {200, 400, 600, 800};
    for (std::size_t i = 0; i < rows.size(); ++i) {
        REQUIRE(rows[i].target_rps.has_value());
        CHECK(*rows[i].target_rps == doctest::Approx(expected[i]));
    }
}

TEST_CASE("a refused port is counted as connect errors and completes nothing") {
    uint16_t port = 0;
    {
        TinyServer gone(ok_response);
        port = gone.port();
    }
    RunPlan plan = plan_for(port, 2, 1);
    barrage::plan::set_url_run(plan, {std::nullopt, 200 * ms_ns, 0});
    auto result = barrage::engine::run_load(plan, {});
    REQUIRE(result.ok());
    const auto& r = result.value();
    CHECK(r.totals.counters.requests_completed == 0);
    CHECK(r.totals.counters.errors[static_cast<size_t>(barrage::stats::ErrorKind::connect)] > 0);
    REQUIRE_FALSE(r.error_details.empty());
    CHECK(r.error_details[0].find("refused") != std::string::npos);
    CHECK(r.connections_established_max == 0);
}

TEST_CASE("a refused connect retries after its short backoff, not after the connect's --timeout") {
    uint16_t port = 0;
    {
        TinyServer gone(ok_response);
        port = gone.port();
    }
    RunPlan plan =
        plan_for(port, 1, 1);  // --timeout 2 s: each connect's deadline lies past the run
    barrage::plan::set_url_run(plan, {std::nullopt, 300 * ms_ns, 0});
    auto result = barrage::engine::run_load(plan, {});
    REQUIRE(result.ok());
    const auto& c = result.value().totals.counters;
    // Backoffs of 10, 20, 40, 80 ms fit in 300 ms: the deadline moved earlier each time.
    CHECK(c.errors[static_cast<size_t>(barrage::stats::ErrorKind::connect)] >= 3);
    CHECK(c.requests_sent == 0);
}

TEST_CASE(
    "a keep-alive connection whose deadline moved later with each answered request still times "
    "out when its server goes silent") {
    TinyServer server(ok_response, Answer::answers_then_silent);
    RunPlan plan = plan_for(server.port(), 1, 1);
    barrage::plan::set_url_run(plan, {std::nullopt, 500 * ms_ns, 0});
    plan.timeout_ns = 40 * ms_ns;  // deadlines looked at every 5 ms: many periods of answers
    auto result = barrage::engine::run_load(plan, {});
    REQUIRE(result.ok());
    const auto& c = result.value().totals.counters;
    CHECK(c.requests_completed >= 2);
    CHECK(c.errors[static_cast<size_t>(barrage::stats::ErrorKind::timeout)] >= 1);
    CHECK(server.accepted() >= 2);  // each timeout replaced the connection
    CHECK(c.requests_sent == c.requests_completed + c.requests_errors + c.requests_unfinished);
}

TEST_CASE("connections are split over workers without rounding up") {
    TinyServer server(ok_response);
    const RunPlan plan = plan_for(server.port(), 10, 4);
    auto result = barrage::engine::run_load(plan, {});
    REQUIRE(result.ok());
    CHECK(result.value().totals.counters.connections_opened == 10);
    CHECK(server.accepted() == 10);
    CHECK(result.value().connections_established_max == 10);
}

barrage::plan::PhasePlan users_phase(std::string name, int users) {
    barrage::plan::PhasePlan phase;
    phase.name = std::move(name);
    phase.kind = barrage::plan::PhaseKind::users;
    phase.duration_ns = 250 * ms_ns;
    phase.users = users;
    return phase;
}

TEST_CASE("users hold connections only while a phase has a place for them") {
    TinyServer server(ok_response);
    RunPlan plan = plan_for(server.port(), 6, 2);
    // 2 users of 6 connections: the 4 spare slots never connect.
    plan.phases = {users_phase("two", 2)};
    auto two = barrage::engine::run_load(plan, {});
    REQUIRE(two.ok());
    CHECK(two.value().totals.counters.connections_opened == 2);
    CHECK(server.accepted() == 2);
    CHECK(two.value().connections_established_max == 2);

    // 3 users, then 1 (2 leave, their connections close), then 3 again (2 spawn anew).
    plan.connections = 3;
    plan.phases = {users_phase("three", 3), users_phase("one", 1), users_phase("again", 3)};
    auto result = barrage::engine::run_load(plan, {});
    REQUIRE(result.ok());
    const auto& c = result.value().totals.counters;
    CHECK(c.connections_opened == 5);
    CHECK(server.accepted() == 2 + 5);
    CHECK(c.reconnects == 0);
    CHECK(c.requests_errors == 0);
    CHECK(c.requests_sent == c.requests_completed + c.requests_unfinished);
}

TEST_CASE("a server that says Connection: close is reconnected transparently") {
    TinyServer server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
    const RunPlan plan = plan_for(server.port(), 2, 1);
    auto result = barrage::engine::run_load(plan, {});
    REQUIRE(result.ok());
    const auto& c = result.value().totals.counters;
    CHECK(c.requests_completed > 0);
    CHECK(c.reconnects > 0);
    CHECK(c.requests_errors == 0);
}

TEST_CASE("garbage answers are protocol errors, not crashes") {
    TinyServer server("SSH-2.0-OpenSSH_9.2\r\n");
    const RunPlan plan = plan_for(server.port(), 2, 1);
    auto result = barrage::engine::run_load(plan, {});
    REQUIRE(result.ok());
    const auto& c = result.value().totals.counters;
    CHECK(c.requests_completed == 0);
    CHECK(c.errors[static_cast<size_t>(barrage::stats::ErrorKind::protocol)] > 0);
    CHECK(c.requests_errors > 0);
}

TEST_CASE(
    "a server that answers before reading the body and never reads: the request completes, "
    "the rest of its body times out and the connection is replaced") {
    TinyServer server(ok_response, Answer::early_then_never_read);
    RunPlan plan = plan_for(server.port(), 2, 1);
    plan.requests[0].method = "POST";
    plan.requests[0].body.assign(8 * 1024 * 1024, 'x');  // more than the socket buffers hold
    plan.timeout_ns = 100 * ms_ns;
    auto result = barrage::engine::run_load(plan, {});
    REQUIRE(result.ok());
    const auto& c = result.value().totals.counters;
    CHECK(c.requests_completed > 0);
    CHECK(c.requests_sent == c.requests_completed + c.requests_errors + c.requests_unfinished);
    CHECK(c.errors[static_cast<size_t>(barrage::stats::ErrorKind::timeout)] > 0);
    CHECK(c.reconnects > 0);
    CHECK(c.bytes_sent > 0);
}

TEST_CASE("a request that fails while its body is still being sent counts as sent") {
    TinyServer server(ok_response, Answer::once_then_half_close);
    RunPlan plan = plan_for(server.port(), 2, 1);
    plan.requests[0].method = "POST";
    plan.requests[0].body.assign(1024 * 1024, 'x');
    auto result = barrage::engine::run_load(plan, {});
    REQUIRE(result.ok());
    const auto& c = result.value().totals.counters;
    CHECK(c.requests_completed > 0);
    CHECK(c.requests_errors > 0);  // each connection's second request meets the FIN
    CHECK(c.requests_sent == c.requests_completed + c.requests_errors + c.requests_unfinished);
}

TEST_CASE(
    "a server that answers before the body and then reads it keeps the connection: the rest of "
    "the body goes first, then the next request, with no error and no reconnect") {
    TinyServer server(ok_response, Answer::early_then_read_body);
    RunPlan plan = plan_for(server.port(), 1, 1);
    plan.requests[0].method = "POST";
    plan.requests[0].body.assign(8 * 1024 * 1024, 'x');  // more than the socket buffers hold
    auto result = barrage::engine::run_load(plan, {});
    REQUIRE(result.ok());
    const auto& c = result.value().totals.counters;
    CHECK(c.requests_completed >= 2);
    CHECK(c.requests_errors == 0);
    CHECK(c.reconnects == 0);
    CHECK(server.accepted() == 1);
    // Every completed request went out whole before the next one started (the
    // last one's rest may have been cut off by the end of the run).
    CHECK(c.bytes_sent >= (c.requests_completed - 1) * 8 * 1024 * 1024);
}
