// The engine's compiled workload: which request a session sends next.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "../../src/engine/workload_impl.h"

namespace plan = barrage::plan;
namespace http = barrage::http;
using barrage::engine::detail::SessionCursor;
using barrage::engine::detail::Workload;

namespace {

plan::NamedRequest named(std::string name, double weight, std::string path = "/") {
    plan::NamedRequest request;
    request.name = std::move(name);
    request.weight = weight;
    request.path = std::move(path);
    return request;
}

plan::RunPlan base_plan() {
    plan::RunPlan run;
    run.target.host = "127.0.0.1";
    run.target.host_header = "127.0.0.1:8080";
    run.session = {};  // no steps: the workload picks by the requests' weights
    return run;
}

}  // namespace

TEST_CASE("a URL run is one constant request sent over and over") {
    plan::RunPlan run = base_plan();
    run.target.path = "/hello";
    plan::set_url_run(run, {});
    auto workload = Workload::compile(run);
    REQUIRE(workload.ok());
    REQUIRE(workload.value().requests().size() == 1);
    CHECK(workload.value().requests()[0].name == "default");
    CHECK(workload.value().requests()[0].request.is_constant());
    CHECK_FALSE(workload.value().has_session_variables());
    SessionCursor cursor;
    http::Rng rng(1);
    for (int i = 0; i < 3; ++i) {
        CHECK(workload.value().next_request(cursor, rng) == 0);
    }
}

TEST_CASE("setup steps come once, then the weighted mix follows its weights") {
    plan::RunPlan run = base_plan();
    run.requests = {named("login", 0, "/login"), named("browse", 3), named("buy", 1)};
    http::CaptureSpec capture;
    capture.variable = "token";
    capture.json_pointer = "/token";
    run.requests[0].captures = {capture};
    run.requests[2].headers = {{"Authorization", "Bearer {{token}}"}};
    run.session.setup = {0};
    run.session.steps = {1, 2};
    auto workload = Workload::compile(run);
    REQUIRE(workload.ok());
    CHECK(workload.value().has_session_variables());
    CHECK(workload.value().requests()[0].keeps_response);
    CHECK_FALSE(workload.value().requests()[2].request.is_constant());
    SessionCursor cursor;
    http::Rng rng(42);
    CHECK(workload.value().in_setup(cursor));
    CHECK(workload.value().next_request(cursor, rng) == 0);
    CHECK_FALSE(workload.value().in_setup(cursor));
    std::map<std::size_t, int> picks;
    const int draws = 40000;
    for (int i = 0; i < draws; ++i) {
        ++picks[workload.value().next_request(cursor, rng)];
    }
    CHECK(picks.count(0) == 0);
    // browse has 3/4 of the weight: 30000 expected, sd ~87; 5 sd either side.
    CHECK(picks[1] > 30000 - 435);
    CHECK(picks[1] < 30000 + 435);
    CHECK(picks[1] + picks[2] == draws);
}

TEST_CASE("an ordered session sends its steps in order, round and round") {
    plan::RunPlan run = base_plan();
    run.requests = {named("a", 1), named("b", 1), named("c", 1)};
    run.session.order = plan::SessionOrder::sequence;
    run.session.steps = {2, 0, 1};
    auto workload = Workload::compile(run);
    REQUIRE(workload.ok());
    SessionCursor cursor;
    http::Rng rng(7);
    std::string order;
    for (int i = 0; i < 6; ++i) {
        order += workload.value().requests()[workload.value().next_request(cursor, rng)].name;
    }
    CHECK(order == "cabcab");
}

TEST_CASE("a task ends after each weighted pick or a sequence's last step, never after setup") {
    plan::RunPlan run = base_plan();
    run.requests = {named("login", 0, "/login"), named("a", 1), named("b", 1)};
    run.session.setup = {0};
    run.session.order = plan::SessionOrder::sequence;
    run.session.steps = {1, 2};
    auto sequence = Workload::compile(run);
    REQUIRE(sequence.ok());
    SessionCursor cursor;
    http::Rng rng(7);
    CHECK_FALSE(Workload::task_ended(cursor));  // a new session: nothing done yet
    std::string ends;
    for (int i = 0; i < 5; ++i) {
        sequence.value().next_request(cursor, rng);
        ends += Workload::task_ended(cursor) ? 'T' : '-';
    }
    CHECK(ends == "--T-T");  // login, a, b (end), a, b (end)

    run.session.order = plan::SessionOrder::weighted;
    auto weighted = Workload::compile(run);
    REQUIRE(weighted.ok());
    cursor = SessionCursor{};
    ends.clear();
    for (int i = 0; i < 4; ++i) {
        weighted.value().next_request(cursor, rng);
        ends += Workload::task_ended(cursor) ? 'T' : '-';
    }
    CHECK(ends == "-TTT");  // login, then every pick
}

TEST_CASE("a template error names the request") {
    plan::RunPlan run = base_plan();
    run.requests = {named("search", 1, "/q/{{nope}}")};
    auto workload = Workload::compile(run);
    REQUIRE_FALSE(workload.ok());
    CHECK(workload.error().message.rfind("request 'search': path: ", 0) == 0);
}

TEST_CASE("weights of zero everywhere leave nothing to send") {
    plan::RunPlan run = base_plan();
    run.requests = {named("a", 0), named("b", 0)};
    auto workload = Workload::compile(run);
    REQUIRE_FALSE(workload.ok());
    CHECK(workload.error().message.find("weight") != std::string::npos);
}
