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

// ---- Task groups ([[tasks]]) and repeat ... until ----

namespace {

using barrage::engine::detail::StepEnd;

plan::TaskStepPlan step_of(std::size_t request) { return plan::TaskStepPlan{request, {}}; }

plan::TaskStepPlan repeat_of(std::size_t request, int tries_max, int64_t interval_ns = 0) {
    plan::RepeatPlan repeat;
    repeat.until.kind = http::CheckSpec::Kind::json_equals;
    repeat.until.pointer = "/status";
    repeat.until.text = "completed";
    repeat.tries_max = tries_max;
    repeat.interval_ns = interval_ns;
    return plan::TaskStepPlan{request, repeat};
}

// submit (0), poll (1), home (2); task "checkout" = submit, poll until completed (3 tries).
plan::RunPlan journey_plan() {
    plan::RunPlan run = base_plan();
    run.requests = {named("submit", 1, "/jobs"), named("poll", 1, "/jobs/1"), named("home", 1)};
    run.session.tasks = {plan::TaskPlan{"checkout", 1, {step_of(0), repeat_of(1, 3, 5)}}};
    run.session.steps = {0};
    return run;
}

}  // namespace

TEST_CASE("a task group sends its requests in order as one transaction, then think time") {
    plan::RunPlan run = journey_plan();
    run.session.tasks[0].steps = {step_of(0), step_of(2)};
    auto compiled = Workload::compile(run);
    REQUIRE(compiled.ok());
    const Workload& workload = compiled.value();
    SessionCursor cursor;
    http::Rng rng(7);
    CHECK_FALSE(Workload::in_transaction(cursor));
    CHECK(workload.next_request(cursor, rng) == 0);
    CHECK(cursor.task_began);
    CHECK(Workload::in_transaction(cursor));
    CHECK_FALSE(Workload::task_ended(cursor));
    CHECK(workload.end_step(cursor, true, true) == StepEnd::next);
    CHECK_FALSE(Workload::task_ended(cursor));  // no think time within the task
    CHECK(workload.next_request(cursor, rng) == 2);
    CHECK_FALSE(cursor.task_began);
    CHECK(workload.end_step(cursor, true, true) == StepEnd::succeeded);
    CHECK_FALSE(Workload::in_transaction(cursor));
    CHECK(Workload::task_ended(cursor));  // think time follows the whole task
    CHECK(workload.next_request(cursor, rng) == 0);
    CHECK(cursor.task_began);  // the next transaction
}

TEST_CASE("a failed response ends the transaction as failed; its later steps are not sent") {
    auto compiled = Workload::compile(journey_plan());
    REQUIRE(compiled.ok());
    const Workload& workload = compiled.value();
    SessionCursor cursor;
    http::Rng rng(7);
    CHECK(workload.next_request(cursor, rng) == 0);
    CHECK(workload.end_step(cursor, false, true) == StepEnd::failed);
    CHECK_FALSE(Workload::in_transaction(cursor));
    CHECK(Workload::task_ended(cursor));
    CHECK(workload.next_request(cursor, rng) == 0);  // a new transaction from its first step
    CHECK(cursor.task_began);
}

TEST_CASE("a repeat step is sent again until its until is met, counting its tries") {
    auto compiled = Workload::compile(journey_plan());
    REQUIRE(compiled.ok());
    const Workload& workload = compiled.value();
    CHECK(workload.requests()[1].keeps_response);  // the until check reads the body
    CHECK_FALSE(workload.requests()[2].keeps_response);
    SessionCursor cursor;
    http::Rng rng(7);
    CHECK(workload.next_request(cursor, rng) == 0);
    CHECK(workload.end_step(cursor, true, true) == StepEnd::next);
    CHECK(workload.next_request(cursor, rng) == 1);
    CHECK(workload.end_step(cursor, true, false) == StepEnd::retry);  // pending
    CHECK(workload.step_of(cursor).interval_ns == 5);
    CHECK(workload.next_request(cursor, rng) == 1);
    CHECK(workload.end_step(cursor, true, true) == StepEnd::succeeded);  // completed
    CHECK(cursor.repeat_tries == 2);
    CHECK(Workload::task_ended(cursor));
}

TEST_CASE("a repeat that runs out of tries ends the transaction as exhausted, never loops on") {
    auto compiled = Workload::compile(journey_plan());
    REQUIRE(compiled.ok());
    const Workload& workload = compiled.value();
    SessionCursor cursor;
    http::Rng rng(7);
    CHECK(workload.next_request(cursor, rng) == 0);
    CHECK(workload.end_step(cursor, true, true) == StepEnd::next);
    for (int i = 0; i < 2; ++i) {
        CHECK(workload.next_request(cursor, rng) == 1);
        CHECK(workload.end_step(cursor, true, false) == StepEnd::retry);
    }
    CHECK(workload.next_request(cursor, rng) == 1);
    CHECK(workload.end_step(cursor, true, false) == StepEnd::exhausted);  // 3 tries, never met
    CHECK(cursor.repeat_tries == 3);
    CHECK_FALSE(Workload::in_transaction(cursor));
    CHECK(workload.next_request(cursor, rng) == 0);
    CHECK(cursor.repeat_tries == 0);  // counted afresh for the new transaction
}

TEST_CASE("setup goes before the tasks; tasks are picked by weight or taken in order") {
    plan::RunPlan run = journey_plan();
    run.requests.push_back(named("login", 0, "/login"));
    run.session.setup = {3};
    run.session.tasks = {plan::TaskPlan{"a", 3, {step_of(0)}},
                         plan::TaskPlan{"b", 1, {step_of(2)}}};
    auto weighted = Workload::compile(run);
    REQUIRE(weighted.ok());
    SessionCursor cursor;
    http::Rng rng(42);
    CHECK(weighted.value().next_request(cursor, rng) == 3);
    CHECK_FALSE(Workload::in_transaction(cursor));
    CHECK_FALSE(Workload::task_ended(cursor));  // no think time after setup
    std::map<std::size_t, int> picks;
    const int draws = 40000;
    for (int i = 0; i < draws; ++i) {
        ++picks[weighted.value().next_request(cursor, rng)];
        CHECK(weighted.value().end_step(cursor, true, true) == StepEnd::succeeded);
    }
    // a has 3/4 of the weight: 30000 expected, sd ~87; 5 sd either side.
    CHECK(picks[0] > 30000 - 435);
    CHECK(picks[0] < 30000 + 435);
    CHECK(picks[0] + picks[2] == draws);

    run.session.order = plan::SessionOrder::sequence;
    auto in_order = Workload::compile(run);
    REQUIRE(in_order.ok());
    SessionCursor ordered;
    CHECK(in_order.value().next_request(ordered, rng) == 3);
    for (std::size_t expected : {0, 2, 0, 2}) {
        CHECK(in_order.value().next_request(ordered, rng) == expected);
        CHECK(in_order.value().end_step(ordered, true, true) == StepEnd::succeeded);
    }
}

TEST_CASE("tasks whose weights are all 0 are refused when the workload compiles") {
    plan::RunPlan run = journey_plan();
    run.session.tasks[0].weight = 0;
    CHECK_FALSE(Workload::compile(run).ok());
}

TEST_CASE("a scenario's tasks count into the run's row of their name, not their own place") {
    // The profile's tasks: "browse" (row 0), "checkout" (row 1); this scenario runs checkout only.
    plan::RunPlan run = journey_plan();
    run.tasks = {plan::TaskPlan{"browse", 1, {step_of(2)}}, run.session.tasks[0]};
    auto compiled = Workload::compile(run);
    REQUIRE(compiled.ok());
    const Workload& workload = compiled.value();
    CHECK(workload.transaction_rows() == 2);
    REQUIRE(workload.tasks().size() == 1);
    CHECK(workload.tasks()[0].row == 1);
    SessionCursor cursor;
    http::Rng rng(1);
    CHECK(workload.next_request(cursor, rng) == 0);
    CHECK(workload.row_of(cursor) == 1);
    // Without scenarios (no run.tasks) each task's row is its place.
    run.tasks.clear();
    auto own = Workload::compile(run);
    REQUIRE(own.ok());
    CHECK(own.value().transaction_rows() == 1);
    CHECK(own.value().tasks()[0].row == 0);
}

TEST_CASE("each target's basic auth goes into its requests unless one sets Authorization") {
    plan::RunPlan run = base_plan();
    run.target.credentials = plan::Credentials{"Aladdin", "open sesame"};
    plan::Target other = run.target;
    other.host_header = "127.0.0.1:8081";
    other.credentials.reset();
    run.more_targets.push_back(other);
    plan::NamedRequest own = named("own", 1);
    own.headers.push_back({"authorization", "Bearer t"});
    run.requests = {named("plain", 1), own};
    auto workload = Workload::compile(run);
    REQUIRE(workload.ok());
    const auto bytes = [&](std::size_t request, std::size_t target) {
        return std::string(
            workload.value().requests()[request].for_target(target).constant_bytes());
    };
    // RFC 7617's example.
    CHECK(bytes(0, 0).find("\r\nAuthorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n") !=
          std::string::npos);
    CHECK(bytes(0, 1).find("Authorization") == std::string::npos);
    CHECK(bytes(1, 0).find("Basic") == std::string::npos);
    CHECK(bytes(1, 0).find("authorization: Bearer t\r\n") != std::string::npos);
}
