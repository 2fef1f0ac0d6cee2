#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "barrage/profile/profile_loader.h"
#include "barrage/profile/run_flags.h"
#include "barrage/profile/suite_loader.h"
#include "barrage/schedule/arrival_schedule.h"
#include "barrage/schedule/load_shape.h"
#include "test_support.h"

namespace plan = barrage::plan;
namespace profile = barrage::profile;
using barrage::http::CheckSpec;
using plan::PhaseKind;

namespace {

constexpr int64_t s_ns = 1'000'000'000;

// A scratch directory for profiles, bodies and data files, removed at the end.
struct Scratch : barrage::test::ScratchDirectory {
    Scratch() : ScratchDirectory("profile_test") {}
    const std::string& dir() const { return path(); }
};

barrage::base::Result<plan::RunPlan> load(const std::string& text,
                                          const profile::ProfileOverrides& overrides = {},
                                          const std::string& path = "test.toml") {
    return profile::load_profile_text(text, path, overrides);
}

plan::RunPlan load_ok(const std::string& text, const profile::ProfileOverrides& overrides = {}) {
    auto result = load(text, overrides);
    if (!result) {
        FAIL_CHECK(result.error().message);
    }
    REQUIRE(result.ok());
    return std::move(result).value();
}

std::string error_of(const std::string& text, const profile::ProfileOverrides& overrides = {}) {
    auto result = load(text, overrides);
    REQUIRE_FALSE(result.ok());
    return result.error().message;
}

// Shows the whole message when it does not start as expected.
#define CHECK_STARTS(message, prefix)                          \
    do {                                                       \
        const std::string message_ = (message);                \
        CHECK_MESSAGE(message_.starts_with(prefix), message_); \
    } while (false)

using barrage::test::contains;

// A small valid profile; tests append to it or replace parts of it.
const std::string target = R"([target]
url = "http://127.0.0.1:8080"
)";
const std::string one_request = R"(
[[requests]]
name = "home"
path = "/"
)";
const std::string one_phase = R"(
[[phases]]
shape = "constant"
rate = 100
duration = "10s"
)";

}  // namespace

TEST_CASE("a full profile becomes a plan with requests, session, data and phases") {
    Scratch scratch;
    scratch.write("users.csv", "user,password\nalice,a1\nbob,b2\n");
    scratch.write("payload.json", R"({"user": "{{user}}", "n": {{int 1 9}}})");
    const std::string text = R"(name = "journey"
seed = 7

[target]
url = "http://127.0.0.1:8080/base"
headers = { "User-Agent" = "barrage-test", "X-Run" = "{{uuid}}" }
connections = 20
timeout = "2s"

[[data]]
path = "users.csv"
order = "random"

[[requests]]
name = "login"
method = "POST"
path = "/login"
body_file = "payload.json"
weight = 0
capture = { token = { json = "/token" }, session = { header = "X-Session" } }
checks = [ { status = 200 } ]

[[requests]]
name = "predict"
method = "POST"
path = "/json?id={{seq}}"
headers = { Authorization = "Bearer {{token}}", "User-Agent" = "mine" }
body = '{"x": {{float 0 1}}}'
weight = 3
checks = [
  { status_between = [200, 299] },
  { body_contains = "ok" },
  { json = "/prediction/score", between = [0, 100] },
  { json = "/ok", equals = true },
  { json = "/name", equals = "x" },
  { json = "/n", equals = 4.5 },
  { json = "/id", exists = true },
  { status = [200, 201] },
]

[[requests]]
name = "browse"
path = "/items/{{choice a b c}}"

[session]
setup = ["login"]

[[phases]]
name = "warm"
shape = "constant"
rate = "2.5"
duration = "5s"
warmup = true

[[phases]]
name = "ramp-up"
shape = "ramp"
from = 0
to = "1k"
duration = 60

[[phases]]
name = "stress"
shape = "step"
rate = 100
step = 200
step_duration = "30s"
steps = 3

[[phases]]
name = "spike"
shape = "spike"
base = 50
peak = 500
at = "1m"
hold = "3m"
rise = "10s"
duration = "6m"
)";
    const std::string path = scratch.write("journey.toml", text);
    auto loaded = profile::load_profile(path, {});
    if (!loaded) {
        FAIL(loaded.error().message);
    }
    const plan::RunPlan& run = loaded.value();
    CHECK(run.seed == 7);
    CHECK(run.target.host == "127.0.0.1");
    CHECK(run.timeout_ns == 2 * s_ns);
    REQUIRE(run.requests.size() == 3);
    const plan::NamedRequest& login = run.requests[0];
    CHECK(login.method == "POST");
    CHECK(login.weight == 0);
    CHECK(login.body == R"({"user": "{{user}}", "n": {{int 1 9}}})");
    REQUIRE(login.captures.size() == 2);
    CHECK(login.captures[0].variable == "session");  // toml++ keeps keys sorted
    CHECK(login.captures[0].header == "X-Session");
    CHECK(login.captures[1].json_pointer == "/token");
    const plan::NamedRequest& predict = run.requests[1];
    CHECK(predict.weight == 3);
    CHECK(predict.path == "/json?id={{seq}}");
    // Target defaults first; a request's own header replaces a default of the same name.
    REQUIRE(predict.headers.size() == 3);
    CHECK(predict.headers[0].name == "X-Run");
    CHECK(predict.headers[1].name == "Authorization");
    CHECK(predict.headers[2].value == "mine");
    REQUIRE(predict.checks.size() == 8);
    CHECK(predict.checks[0].kind == CheckSpec::Kind::status_in);
    CHECK(predict.checks[0].status_min == 200);
    CHECK(predict.checks[0].status_max == 299);
    CHECK(predict.checks[1].kind == CheckSpec::Kind::body_contains);
    CHECK(predict.checks[2].kind == CheckSpec::Kind::json_range);
    CHECK(predict.checks[2].pointer == "/prediction/score");
    CHECK(predict.checks[2].number_max == 100);
    CHECK(predict.checks[3].boolean == true);
    CHECK(predict.checks[4].text == "x");
    CHECK(predict.checks[5].number == 4.5);
    CHECK(predict.checks[6].kind == CheckSpec::Kind::json_exists);
    CHECK(predict.checks[7].statuses == std::vector<int>{200, 201});
    CHECK(run.requests[2].method == "GET");
    CHECK(run.session.setup == std::vector<size_t>{0});
    CHECK(run.session.steps == std::vector<size_t>{1, 2});
    CHECK(run.session.order == plan::SessionOrder::weighted);
    REQUIRE(run.data_files.size() == 1);
    CHECK(run.data_files[0].order == barrage::http::RowOrder::random);
    CHECK(run.data_files[0].file->row_count() == 2);
    CHECK(run.variables == std::vector<std::string>{"user", "password", "session", "token"});
    REQUIRE(run.phases.size() == 4);
    CHECK(run.phases[0].warmup);
    CHECK(run.phases[0].rate_per_s == 2.5);
    CHECK(run.phases[1].kind == PhaseKind::ramp);
    CHECK(run.phases[1].rate_end_per_s == 1000);
    CHECK(run.phases[1].duration_ns == 60 * s_ns);
    CHECK(run.phases[2].kind == PhaseKind::step);
    CHECK(run.phases[2].duration_ns == 90 * s_ns);
    CHECK(run.phases[3].spike_fall_ns == 10 * s_ns);  // defaults to the rise time
    CHECK(plan::warmup_ns(run) == 5 * s_ns);
    CHECK(plan::measured_ns(run) == (60 + 90 + 360) * s_ns);
    CHECK(plan::headline_rate_per_s(run) ==
          1000);  // the highest open-loop rate (main phase is a ramp)
    CHECK(plan::first_request(run).method == "POST");  // a report shows the first step
    CHECK(run.target.path == "/json?id={{seq}}");
    CHECK(run.threads >= 1);
    CHECK(run.cpus.size() == static_cast<size_t>(run.threads));
}

TEST_CASE("a URL run is the special case of one request and one phase") {
    plan::RunPlan run;
    run.target.path = "/x";
    plan::NamedRequest put;
    put.method = "PUT";
    plan::set_url_run(run, {50.0, 3 * s_ns, s_ns}, put);
    const auto& requests = run.requests;
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].name == "default");
    CHECK(requests[0].path == "/x");
    CHECK(requests[0].method == "PUT");
    CHECK(run.session.steps == std::vector<size_t>{0});
    auto phases = run.phases;
    REQUIRE(phases.size() == 2);
    CHECK(phases[0].warmup);
    CHECK(phases[0].duration_ns == s_ns);
    CHECK(phases[1].kind == PhaseKind::constant);
    CHECK(phases[1].rate_per_s == 50);
    CHECK(phases[1].duration_ns == 3 * s_ns);
    CHECK(run.main_phase == 1);
    plan::set_url_run(run, {std::nullopt, 3 * s_ns, 0}, plan::first_request(run));
    phases = run.phases;
    REQUIRE(phases.size() == 1);
    CHECK(phases[0].kind == PhaseKind::users);
    CHECK(phases[0].users == run.connections);
}

TEST_CASE("a minimal profile has defaults: GET, weight 1, weighted session, seed 1") {
    const auto run = load_ok(target + one_request + one_phase);
    REQUIRE(run.requests.size() == 1);
    CHECK(run.requests[0].weight == 1);
    CHECK(run.session.steps == std::vector<size_t>{0});
    CHECK(run.seed == 1);
    CHECK(plan::headline_rate_per_s(run) == 100);
    CHECK(plan::measured_ns(run) == 10 * s_ns);
    CHECK(run.connections == 10);
}

TEST_CASE("thresholds are strings or { expr, abort } tables, with where they were written") {
    const auto run = load_ok(
        "abort_grace = \"3s\"\nthresholds = [\"p99 < 1s\", { expr = \"error_rate < 1%\", "
        "abort = true }, { expr = \"rps >= 5\" }]\n" +
        target + one_request + one_phase);
    REQUIRE(run.outputs.thresholds.size() == 3);
    CHECK(run.outputs.thresholds[0].expression == "p99 < 1s");
    CHECK_FALSE(run.outputs.thresholds[0].abort);
    CHECK(run.outputs.thresholds[0].origin == "test.toml:2:15");
    CHECK(run.outputs.thresholds[1].expression == "error_rate < 1%");
    CHECK(run.outputs.thresholds[1].abort);
    CHECK_FALSE(run.outputs.thresholds[2].abort);
    CHECK(run.outputs.abort_grace_ns == 3 * s_ns);
    CHECK(load_ok(target + one_request + one_phase).outputs.abort_grace_ns == 10 * s_ns);
}

TEST_CASE("a threshold that is neither a string nor a table with expr is refused") {
    CHECK_STARTS(error_of("thresholds = [1]\n" + target + one_request + one_phase),
                 "test.toml:1:15: thresholds: expected a string");
    CHECK_STARTS(error_of("thresholds = [{ abort = true }]\n" + target + one_request + one_phase),
                 "test.toml:1:15: a threshold table needs expr");
    CHECK(contains(error_of("thresholds = [{ expr = \"p99 < 1s\", abort = 1 }]\n" + target +
                            one_request + one_phase),
                   "abort"));
    CHECK(contains(error_of("abort_grace = \"-1s\"\n" + target + one_request + one_phase),
                   "abort_grace"));
}

TEST_CASE("a syntax error is refused with its line and column") {
    const std::string message = error_of("[target]\nurl = \"http://h\"\nrate = = 5\n");
    CHECK(message.starts_with("test.toml:3:"));
    CHECK(contains(message, "syntax error"));
    CHECK(contains(message, "expected valid TOML"));
}

TEST_CASE("a table header cut short is a syntax error, not an abort (found by fuzzing)") {
    // toml++ asserts here in debug builds unless toml_impl.h turns its asserts off.
    for (const char* header : {"[[\n", "[\n", "[[ # c\n", "[=\n"}) {
        const std::string message = error_of(target + std::string(header) + "name = \"x\"\n");
        CHECK(message.starts_with("test.toml:3:"));
        CHECK(contains(message, "syntax error"));
    }
}

TEST_CASE("a NUL byte is a syntax error, not a crash (found by fuzzing)") {
    CHECK_STARTS(error_of(target + std::string("[[\0requests]]\n", 15)),
                 "test.toml:3:3: syntax error: a NUL byte");
}

TEST_CASE("an unknown key is an error at its line and column, never ignored") {
    CHECK_STARTS(error_of(target + one_request + one_phase + "colour = \"red\"\n"),
                 "test.toml:12:1: unknown key 'colour' in a constant phase");
    const std::string top = error_of("[request]\nname = \"x\"\n" + target);
    CHECK(top.starts_with("test.toml:1:2: unknown key 'request' in the profile"));
    CHECK(contains(top, "expected one of: name, description, seed, target, data, requests"));
    const std::string nested = error_of(target + "conections = 5\n" + one_request + one_phase);
    CHECK(nested.starts_with("test.toml:3:1: unknown key 'conections' in [target]"));
    const std::string shape_key = error_of(target + one_request + one_phase + "peak = 5\n");
    CHECK(shape_key.starts_with("test.toml:12:1: unknown key 'peak' in a constant phase"));
    CHECK(contains(shape_key, "rate, duration"));
    CHECK_STARTS(
        error_of(target + one_request + "checks = [ { status = 200, colour = 1 } ]\n" + one_phase),
        "test.toml:7:");
}

TEST_CASE("an unknown key near a known one names it: did you mean") {
    const std::string phase = error_of(target + one_request + one_phase + "duraton = \"5s\"\n");
    CHECK_STARTS(phase,
                 "test.toml:12:1: unknown key 'duraton' in a constant phase; did you mean "
                 "'duration'? (expected one of: ");
    CHECK_STARTS(error_of(target + "conections = 5\n" + one_request + one_phase),
                 "test.toml:3:1: unknown key 'conections' in [target]; did you mean "
                 "'connections'?");
    CHECK_STARTS(error_of("[request]\nname = \"x\"\n" + target),
                 "test.toml:1:2: unknown key 'request' in the profile; did you mean 'requests'?");
    CHECK(contains(error_of(target + one_request + "wieght = 2\n" + one_phase),
                   "did you mean 'weight'?"));
    CHECK(contains(error_of(target + "[target.tls]\ninsecur = true\n" + one_request + one_phase),
                   "did you mean 'insecure'?"));
    // The typo of a required key is the mistake, not the key's absence.
    CHECK_STARTS(error_of(target + one_request +
                          "[[phases]]\nshape = \"constant\"\nrate = 5\nduraton = \"5s\"\n"),
                 "test.toml:10:1: unknown key 'duraton' in a constant phase; did you mean "
                 "'duration'?");
    CHECK_STARTS(error_of(target + one_request + "[[phases]]\nshap = \"users\"\n"),
                 "test.toml:8:1: unknown key 'shap' in [[phases]]");
    CHECK_STARTS(error_of("[target]\nulr = \"http://127.0.0.1:8080\"\n" + one_request + one_phase),
                 "test.toml:2:1: unknown key 'ulr' in [target]; did you mean 'url'?");
    CHECK_STARTS(error_of(target + "[[requests]]\nnmae = \"home\"\npath = \"/\"\n" + one_phase),
                 "test.toml:4:1: unknown key 'nmae' in [[requests]]");
    CHECK(contains(error_of(target + "[[requests]]\nnmae = \"home\"\npath = \"/\"\n" + one_phase),
                   "did you mean 'name'?"));
    CHECK(contains(error_of(target + one_request + "[[data]]\npaht = \"users.csv\"\n" + one_phase),
                   "did you mean 'path'?"));
    // A json check whose only kind key is misspelt: refused, never read as a kind (the fuzzer
    // found a null dereference here).
    CHECK(contains(error_of(target + one_request +
                            "checks = [{ json = \"/score\", exis101 = true }]\n" + one_phase),
                   "unknown key 'exis101'"));
    // Far from every key: the list alone, as before.
    const std::string far = error_of(target + one_request + one_phase + "colour = 1\n");
    CHECK_FALSE(contains(far, "did you mean"));
    CHECK(contains(far, "; expected one of: "));
    // A --set of a mistyped key, and a mistyped table in a --set path.
    profile::ProfileOverrides set;
    set.sets = {"phases.0.duraton=5s"};
    CHECK_STARTS(error_of(target + one_request + one_phase, set),
                 "--set phases.0.duraton: unknown key 'duraton' in a constant phase; did you "
                 "mean 'duration'?");
    set.sets = {"phase.0.rate=5"};
    CHECK(contains(error_of(target + one_request + one_phase, set), "did you mean 'phases'?"));
}

TEST_CASE("a value of the wrong type is refused with what was expected") {
    const std::string message = error_of(target + one_request + "method = 5\n" + one_phase);
    CHECK(message.starts_with("test.toml:7:10: 'method' is an integer; expected a string"));
    CHECK_STARTS(error_of(target + "connections = \"ten\"\n" + one_request + one_phase),
                 "test.toml:3:15: 'connections' is a string; expected a whole number");
    CHECK_STARTS(error_of(target + one_request + "weight = \"heavy\"\n" + one_phase),
                 "test.toml:7:10: 'weight' is a string; expected a number");
    CHECK_STARTS(error_of(target + one_request + one_phase + "warmup = 1\n"),
                 "test.toml:12:10: 'warmup' is an integer; expected true or false");
    CHECK_STARTS(error_of(target + one_request + "checks = [ { status = 700 } ]\n" + one_phase),
                 "test.toml:7:");
}

TEST_CASE("methods and header names must be tokens and header values one line") {
    CHECK_STARTS(error_of(target + one_request + "method = \"G T\"\n" + one_phase),
                 "test.toml:7:10: 'G T' is not a method");
    CHECK_STARTS(error_of(target + one_request + "headers = { \"X Y\" = \"1\" }\n" + one_phase),
                 "test.toml:7:21: 'X Y' is not a header name");
    CHECK_STARTS(error_of(target + one_request + "headers = { X = \"a\\nb\" }\n" + one_phase),
                 "test.toml:7:17: the value of header 'X' has a line break");
}

TEST_CASE("weights of zero everywhere are refused") {
    const std::string text = target + one_request + "weight = 0\n" +
                             "[[requests]]\nname = \"b\"\nweight = 0.0\n" + one_phase;
    const std::string message = error_of(text);
    CHECK(message.starts_with("test.toml:7:10: every step has weight 0"));
    CHECK(contains(message, "expected at least one weight > 0"));
    CHECK_STARTS(error_of(target + one_request + "weight = -1\n" + one_phase),
                 "test.toml:7:10: weight -1 is out of range");
    // In a sequence, weights do not matter.
    CHECK(load(target + one_request + "weight = 0\n[session]\norder = \"sequence\"\n" + one_phase)
              .ok());
}

TEST_CASE("a template naming an undefined variable is refused with its position") {
    const std::string message =
        error_of(target + one_request + "headers = { Authorization = \"Bearer {{tokn}}\" }\n" +
                 "capture = { token = { json = \"/token\" } }\n" + one_phase);
    CHECK(message.starts_with("test.toml:7:29: header Authorization: "));
    CHECK(contains(message, "tokn"));
    CHECK(contains(message, "known: token"));
    CHECK_STARTS(
        error_of(target + "[[requests]]\nname = \"x\"\npath = \"/{{nope}}\"\n" + one_phase),
        "test.toml:5:8: path: ");
    CHECK_STARTS(error_of(target + one_request + "body = '{{user}}'\n" + one_phase),
                 "test.toml:7:8: body: ");
}

TEST_CASE("a missing data file or body file is refused before any traffic") {
    const std::string data =
        error_of(target + "[[data]]\npath = \"no-such.csv\"\n" + one_request + one_phase);
    CHECK(data.starts_with("test.toml:4:8: "));
    CHECK(contains(data, "no-such.csv"));
    CHECK(contains(data, "expected a readable CSV file"));
    const std::string body =
        error_of(target + one_request + "body_file = \"no-such.json\"\n" + one_phase);
    CHECK(body.starts_with("test.toml:7:13: cannot read 'no-such.json'"));
    CHECK_STARTS(error_of(target + one_request + "body = \"a\"\nbody_file = \"b\"\n" + one_phase),
                 "test.toml:8:13: body and body_file both give a body");
}

TEST_CASE("overlapping, gapped and empty phases are refused") {
    const std::string two = target + one_request + one_phase +
                            "[[phases]]\nshape = \"constant\"\nrate = 5\nduration = \"5s\"\n";
    CHECK_STARTS(error_of(two + "start_at = \"8s\"\n"),
                 "test.toml:16:12: phase 'phase 2' starts at 8s, overlapping");
    CHECK(contains(error_of(two + "start_at = \"12s\"\n"), "leaving a gap"));
    CHECK(load(two + "start_at = \"10s\"\n").ok());
    CHECK_STARTS(error_of(target + one_request +
                          "[[phases]]\nshape = \"constant\"\nrate = 5\n"
                          "duration = 0\n"),
                 "test.toml:10:12: duration = 0 is out of range; expected more than 0");
    CHECK_STARTS(error_of(target + one_request +
                          "[[phases]]\nshape = \"ramp\"\nfrom = 0\nto = 0\n"
                          "duration = 5\n"),
                 "test.toml:7:1: phase 'phase 1': the rate is 0 throughout");
    CHECK_STARTS(error_of(target + one_request), "test.toml: no [[phases]]");
    CHECK_STARTS(error_of("phases = []\n" + target + one_request), "test.toml: no [[phases]]");
    CHECK_STARTS(error_of(target + one_request +
                          "[[phases]]\nshape = \"spike\"\nbase = 5\npeak = 50\n"
                          "at = \"8s\"\nhold = \"5s\"\nduration = \"10s\"\n"),
                 "test.toml:7:1: phase 'phase 1': the spike");
    CHECK_STARTS(error_of(target + one_request +
                          "[[phases]]\nshape = \"constant\"\nrate = 5\n"
                          "duration = 5\nwarmup = true\n"),
                 "test.toml:7:1: every phase is a warmup");
}

TEST_CASE("negative and zero rates and durations are refused with the accepted forms") {
    const auto phase_with = [](const std::string& line) {
        return target + one_request + "[[phases]]\nshape = \"constant\"\n" + line + "\n";
    };
    CHECK_STARTS(error_of(phase_with("rate = -5\nduration = 5")),
                 "test.toml:9:8: rate = -5 is out of range; expected more than 0");
    CHECK_STARTS(error_of(phase_with("rate = 0\nduration = 5")), "test.toml:9:8: rate = 0");
    CHECK_STARTS(error_of(phase_with("rate = \"-5\"\nduration = 5")),
                 "test.toml:9:8: rate: '-5' is negative");
    CHECK_STARTS(error_of(phase_with("rate = 5\nduration = \"-3s\"")),
                 "test.toml:10:12: duration: '-3s' is negative");
    CHECK_STARTS(error_of(phase_with("rate = 5\nduration = \"3x\"")),
                 "test.toml:10:12: duration: '3x' is not a duration");
    CHECK_STARTS(error_of(phase_with("rate = 5")),
                 "test.toml:7:1: a constant phase needs duration");
    const auto run = load_ok(phase_with("rate = \"6000/m\"\nduration = \"1m30s\""));
    CHECK(run.phases[0].rate_per_s == 100);
    CHECK(run.phases[0].duration_ns == 90 * s_ns);
}

TEST_CASE("--set changes any scalar by dotted path, index or name") {
    profile::ProfileOverrides overrides;
    overrides.sets = {"phases.0.rate=50",           "phases.0.duration=2m",
                      "requests.home.weight=3",     "target.connections=64",
                      "requests.0.method=\"POST\"", "seed=99"};
    const auto run = load_ok(target + one_request + one_phase, overrides);
    CHECK(run.phases[0].rate_per_s == 50);
    CHECK(run.phases[0].duration_ns == 120 * s_ns);
    CHECK(run.requests[0].weight == 3);
    CHECK(run.requests[0].method == "POST");
    CHECK(run.connections == 64);
    CHECK(run.seed == 99);
    profile::ProfileOverrides by_name;
    by_name.sets = {"phases.main.rate=7.5"};
    CHECK(load_ok(target + one_request + one_phase + "name = \"main\"\n", by_name)
              .phases[0]
              .rate_per_s == 7.5);
    profile::ProfileOverrides added;  // a known key that the file leaves out
    added.sets = {"target.timeout=3s"};
    CHECK(load_ok(target + one_request + one_phase, added).timeout_ns == 3 * s_ns);
}

TEST_CASE("--set values are checked like the file's and bad paths are refused") {
    profile::ProfileOverrides overrides;
    overrides.sets = {"phases.0.rate=-50"};
    CHECK_STARTS(error_of(target + one_request + one_phase, overrides),
                 "--set phases.0.rate: rate = -50 is out of range");
    overrides.sets = {"phases.0.colour=red"};
    CHECK_STARTS(error_of(target + one_request + one_phase, overrides),
                 "--set phases.0.colour: unknown key 'colour'");
    overrides.sets = {"phases.3.rate=5"};
    CHECK_STARTS(error_of(target + one_request + one_phase, overrides),
                 "--set phases.3.rate=5: '3' is not in the profile");
    overrides.sets = {"phases=5"};
    CHECK(contains(error_of(target + one_request + one_phase, overrides), "phases"));
    overrides.sets = {"target=5"};
    CHECK_STARTS(error_of(target + one_request + one_phase, overrides),
                 "--set target=5: 'target' is not a setting of a table");
    overrides.sets = {"rate"};
    CHECK_STARTS(error_of(target + one_request + one_phase, overrides),
                 "--set rate: expected KEY=VALUE");
}

TEST_CASE(
    "--rate scales the main phase to R and every open-loop phase in proportion, "
    "--duration changes the main phase, --seed the seed") {
    const std::string two = target + one_request +
                            "[[phases]]\nshape = \"constant\"\nrate = 5\nduration = 5\n"
                            "warmup = true\n" +
                            one_phase;
    profile::ProfileOverrides overrides;
    overrides.rate_per_s = 250;
    overrides.duration_ns = 3 * s_ns;
    overrides.seed = 42;
    const auto run = load_ok(two, overrides);
    CHECK(run.phases[0].rate_per_s == 12.5);       // the warm-up keeps its share: 5 of 100
    CHECK(run.phases[0].duration_ns == 5 * s_ns);  // -d is the main phase's only
    CHECK(run.phases[1].rate_per_s == 250);
    CHECK(run.phases[1].duration_ns == 3 * s_ns);
    CHECK(plan::headline_rate_per_s(run) == 250);
    CHECK(plan::measured_ns(run) == 3 * s_ns);
    CHECK(run.seed == 42);
    const std::string marked = target + one_request + one_phase + one_phase + "main = true\n";
    CHECK(load_ok(marked, overrides).phases[1].rate_per_s == 250);
    const std::string ramp =
        target + one_request + "[[phases]]\nshape = \"ramp\"\nfrom = 1\nto = 5\nduration = 5\n";
    profile::ProfileOverrides rate_only;
    rate_only.rate_per_s = 10;
    // No constant main phase: the profile's peak becomes R.
    const auto ramped = load_ok(ramp, rate_only);
    CHECK(ramped.phases[0].rate_per_s == 2);
    CHECK(ramped.phases[0].rate_end_per_s == 10);
    const std::string closed =
        target + one_request + "[[phases]]\nshape = \"users\"\nusers = 2\nduration = 5\n";
    CHECK_STARTS(error_of(closed, rate_only), "--rate: the profile has no open-loop phase");
    profile::ProfileOverrides short_spike;
    short_spike.duration_ns = 5 * s_ns;
    CHECK_STARTS(error_of(target + one_request +
                              "[[phases]]\nshape = \"spike\"\nbase = 5\npeak = 50\nat = \"8s\"\n"
                              "hold = \"1s\"\nduration = \"10s\"\n",
                          short_spike),
                 "--duration: phase 'phase 1': the spike");
}

TEST_CASE("--rate on a ramped profile scales the ramps, steps and spikes with the hold") {
    // The shape of a ramp-up, hold, spike, step and ramp-down plan at 100 req/s, run at 300.
    const std::string ramped = target + one_request + R"(
[[phases]]
name = "up"
shape = "ramp"
from = 10
to = 100
duration = 5
[[phases]]
name = "hold"
shape = "constant"
rate = 100
duration = 5
main = true
[[phases]]
name = "burst"
shape = "spike"
base = 50
peak = 200
at = "1s"
hold = "1s"
duration = "5s"
[[phases]]
name = "stairs"
shape = "step"
rate = 20
step = 10
steps = 3
step_duration = "1s"
[[phases]]
name = "down"
shape = "ramp"
from = 100
to = 0
duration = 5
)";
    profile::ProfileOverrides overrides;
    overrides.rate_per_s = 300;
    const auto run = load_ok(ramped, overrides);
    CHECK(run.phases[0].rate_per_s == doctest::Approx(30));
    CHECK(run.phases[0].rate_end_per_s == doctest::Approx(300));
    CHECK(run.phases[1].rate_per_s == 300);
    CHECK(run.phases[2].rate_per_s == doctest::Approx(150));
    CHECK(run.phases[2].rate_end_per_s == doctest::Approx(600));
    CHECK(run.phases[3].rate_per_s == doctest::Approx(60));
    CHECK(run.phases[3].step_per_s == doctest::Approx(30));
    CHECK(run.phases[4].rate_per_s == doctest::Approx(300));
    CHECK(run.phases[4].rate_end_per_s == 0);
    CHECK(plan::headline_rate_per_s(run) == 300);
    // The durations are the profile's: --rate changes rates only.
    CHECK(run.phases[0].duration_ns == 5 * s_ns);
    CHECK(run.phases[3].duration_ns == 3 * s_ns);
}

TEST_CASE("--time-scale scales every phase's durations and spawn rate, not rates or think time") {
    const std::string plan_text = target + one_request + R"(
[[phases]]
name = "warm"
shape = "constant"
rate = 5
duration = "10s"
warmup = true
[[phases]]
name = "ramp"
shape = "ramp"
from = 0
to = 100
duration = "60s"
[[phases]]
name = "steps"
shape = "step"
rate = 10
step = 10
step_duration = "30s"
steps = 7
[[phases]]
name = "spike"
shape = "spike"
base = 10
peak = 500
at = "1m"
rise = "10s"
hold = "3m"
duration = "6m"
)";
    profile::ProfileOverrides overrides;
    overrides.time_scale = 0.1;
    const auto run = load_ok(plan_text, overrides);
    REQUIRE(run.phases.size() == 4);
    CHECK(run.phases[0].duration_ns == s_ns);  // warm-up phases too
    CHECK(run.phases[0].rate_per_s == 5);
    CHECK(run.phases[1].duration_ns == 6 * s_ns);
    CHECK(run.phases[1].rate_end_per_s == 100);
    CHECK(run.phases[2].step_duration_ns == 3 * s_ns);
    CHECK(run.phases[2].duration_ns == 21 * s_ns);
    CHECK(run.phases[2].steps == 7);
    CHECK(run.phases[3].spike_at_ns == 6 * s_ns);
    CHECK(run.phases[3].spike_rise_ns == s_ns);
    CHECK(run.phases[3].spike_fall_ns == s_ns);  // fall defaults to rise, scaled with it
    CHECK(run.phases[3].spike_hold_ns == 18 * s_ns);
    CHECK(run.phases[3].duration_ns == 36 * s_ns);
    CHECK(plan::warmup_ns(run) == s_ns);
    CHECK(plan::measured_ns(run) == (6 + 21 + 36) * s_ns);
    // Closed loop: 600 users at 10/s arrive by 60 s; scaled, at 100/s by 6 s.
    const auto users = load_ok(target + one_request + R"(
[[phases]]
name = "users"
shape = "users"
users = 600
spawn_rate = 10
think = ["1s", "3s"]
duration = "2m"
)",
                               overrides);
    REQUIRE(users.phases.size() == 1);
    CHECK(users.phases[0].spawn_per_s == doctest::Approx(100));
    CHECK(users.phases[0].users == 600);
    CHECK(users.phases[0].think_min_ns == s_ns);  // a user's pace, not the plan's length
    CHECK(users.phases[0].think_max_ns == 3 * s_ns);
    CHECK(users.phases[0].duration_ns == 12 * s_ns);
}

TEST_CASE("--time-scale rounds a spike's points, not its parts, so it still fits its phase") {
    profile::ProfileOverrides overrides;
    overrides.time_scale = 0.1;
    // Parts rounded alone would end at 100 + 2 + 2 + 2 = 106 ms, past the 105 ms phase.
    const auto run = load_ok(target + one_request +
                                 "[[phases]]\nshape = \"spike\"\nbase = 5\npeak = 50\n"
                                 "at = \"1s\"\nrise = \"15ms\"\nhold = \"15ms\"\n"
                                 "fall = \"15ms\"\nduration = \"1045ms\"\n",
                             overrides);
    const plan::PhasePlan& spike = run.phases[0];
    constexpr int64_t ms_ns = 1'000'000;
    CHECK(spike.duration_ns == 105 * ms_ns);
    CHECK(spike.spike_at_ns == 100 * ms_ns);
    CHECK(spike.spike_at_ns + spike.spike_rise_ns + spike.spike_hold_ns + spike.spike_fall_ns ==
          105 * ms_ns);
}

TEST_CASE("--time-scale comes after --set and before --duration, which stays as given") {
    profile::ProfileOverrides overrides;
    overrides.time_scale = 0.5;
    overrides.sets = {"phases.0.duration=20s"};
    CHECK(load_ok(target + one_request + one_phase, overrides).phases[0].duration_ns == 10 * s_ns);
    overrides.duration_ns = 3 * s_ns;
    CHECK(load_ok(target + one_request + one_phase, overrides).phases[0].duration_ns == 3 * s_ns);
}

TEST_CASE("--time-scale refuses a duration that would round to 0 ms, naming the key") {
    profile::ProfileOverrides overrides;
    overrides.time_scale = 0.001;
    CHECK_STARTS(error_of(target + one_request +
                              "[[phases]]\nname = \"s\"\nshape = \"spike\"\nbase = 5\n"
                              "peak = 50\nat = \"2s\"\nrise = \"100ms\"\nhold = \"1s\"\n"
                              "duration = \"10s\"\n",
                          overrides),
                 "--time-scale 0.001: phases.s.rise (100ms) scaled is under 1ms");
    CHECK_STARTS(error_of(target + one_request +
                              "[[phases]]\nname = \"w\"\nshape = \"constant\"\nrate = 5\n"
                              "duration = \"400ms\"\n",
                          overrides),
                 "--time-scale 0.001: phases.w.duration (400ms) scaled is under 1ms");
    overrides.time_scale = 1000;
    CHECK(contains(error_of(target + one_request +
                                "[[phases]]\nshape = \"constant\"\nrate = 5\n"
                                "duration = \"10000h\"\n",
                            overrides),
                   "would last over 10 years"));
}

TEST_CASE(
    "a find-max step on a profile ramps up to its rate as warm-up and judges the main phase") {
    const auto run = load_ok(target + one_request + R"(
[[phases]]
name = "up"
shape = "ramp"
from = 0
to = 50
duration = "4s"
[[phases]]
name = "main"
shape = "constant"
rate = 50
duration = "10s"
main = true
[[phases]]
name = "down"
shape = "ramp"
from = 50
to = 0
duration = "4s"
)");
    const auto step = profile::with_rate(run, 200, 2 * s_ns, 0);
    REQUIRE(step.ok());
    const plan::RunPlan& plan = step.value();
    REQUIRE(plan.phases.size() == 2);  // the ramp down after the main phase is not run
    CHECK(plan.phases[0].warmup);
    CHECK(plan.phases[0].rate_per_s == 0);
    CHECK(plan.phases[0].rate_end_per_s == 200);  // up to the step's rate
    CHECK(plan.phases[0].duration_ns == 4 * s_ns);
    CHECK(plan.phases[1].rate_per_s == 200);
    CHECK(plan.main_phase == 1);
    CHECK(plan::measured_ns(plan) == 2 * s_ns);
    CHECK(plan::headline_rate_per_s(plan) == 200);
    CHECK(plan.outputs.quiet);
}

TEST_CASE("-c and --timeout set [target]'s keys, and a --set of the same key wins") {
    profile::ProfileOverrides flags;
    flags.connections = 64;
    flags.timeout_ns = 3 * s_ns;
    const auto run =
        load_ok(target + "connections = 8\ntimeout = \"1s\"\n" + one_request + one_phase, flags);
    CHECK(run.connections == 64);
    CHECK(run.timeout_ns == 3 * s_ns);
    flags.sets = {"target.connections=5", "target.timeout=2s"};
    const auto set_wins = load_ok(target + one_request + one_phase, flags);
    CHECK(set_wins.connections == 5);
    CHECK(set_wins.timeout_ns == 2 * s_ns);
}

TEST_CASE("session names must be requests and the session needs a step") {
    CHECK_STARTS(error_of(target + one_request + "[session]\nsetup = [\"login\"]\n" + one_phase),
                 "test.toml:8:10: setup: 'login' is not a request name; expected one "
                 "of: home");
    CHECK_STARTS(error_of(target + one_request + "[session]\nsetup = [\"home\"]\n" + one_phase),
                 "test.toml:7:1: the session has no steps");
    CHECK_STARTS(error_of(target + one_request + "[session]\norder = \"random\"\n" + one_phase),
                 "test.toml:8:9: order 'random' is unknown");
    CHECK_STARTS(error_of(target + one_request + one_request + one_phase),
                 "test.toml:9:8: request name 'home' is used twice");
}

TEST_CASE("errors quote at most about 80 characters of what the profile says") {
    const std::string name(5000, 'n');
    const std::string request = "[[requests]]\nname = \"" + name + "\"\n";
    const std::string message = error_of(target + request + request + one_phase);
    CHECK(message.find("request name '" + std::string(80, 'n') + "...' is used twice") !=
          std::string::npos);
    CHECK(message.size() < 200);
    const std::string shape(1000, 's');
    CHECK(error_of(target + one_request + "[[phases]]\nname = \"main\"\nshape = \"" + shape +
                   "\"\nrate = 1\nduration = \"1s\"\n")
              .size() < 300);
}

TEST_CASE("captures and data columns are checked as variable names") {
    CHECK_STARTS(
        error_of(target + one_request + "capture = { token = { json = \"token\" } }\n" + one_phase),
        "test.toml:7:30: json pointer 'token' must start with '/'");
    CHECK_STARTS(error_of(target + one_request +
                          "capture = { token = { json = \"/t\", header = \"X\" } }\n" + one_phase),
                 "test.toml:7:21: capture 'token' needs exactly one of");
    CHECK_STARTS(
        error_of(target + one_request + "capture = { seq = { json = \"/t\" } }\n" + one_phase),
        "test.toml:7:19: 'seq' cannot be a template variable");
    Scratch scratch;
    const std::string csv = scratch.write("d.csv", "token\nx\n");
    CHECK(contains(error_of(target + "[[data]]\npath = \"" + csv + "\"\n" + one_request +
                            "capture = { token = { json = \"/t\" } }\n" + one_phase),
                   "variable 'token' is defined twice"));
}

TEST_CASE("several requests may capture into one variable, and {{set}} declares one") {
    const plan::RunPlan plan = load_ok(target + R"(
[[requests]]
name = "login"
capture = { token = { json = "/token" } }
[[requests]]
name = "refresh"
path = "/t/{{set tenant ?= int 1000 9999}}"
headers = { X-Order = "{{set order = uuid}}" }
capture = { token = { header = "X-Token" } }
[[requests]]
name = "use"
path = "/{{tenant}}/{{order}}"
headers = { Authorization = "Bearer {{token}}" }
body = "{{set tenant = int 1 9}}"
)" + one_phase);
    CHECK(plan.variables == std::vector<std::string>{"token", "tenant", "order"});
    CHECK(plan.requests[0].captures[0].variable == "token");
    CHECK(plan.requests[1].captures[0].variable == "token");
}

TEST_CASE("a set or capture of a data-file column, or a bad set, is refused with its position") {
    Scratch scratch;
    const std::string csv = scratch.write("d.csv", "user\nx\n");
    const std::string data = "[[data]]\npath = \"" + csv + "\"\n";
    CHECK_STARTS(
        error_of(target + data + one_request + "body = \"{{set user = uuid}}\"\n" + one_phase),
        "test.toml:6:1: variable 'user' is defined twice (a data-file column cannot be "
        "captured, set, or repeat)");
    CHECK_STARTS(error_of(target + one_request + "body = \"{{set x int 1 2}}\"\n" + one_phase),
                 "test.toml:7:8: body: bad set: expected {{set NAME = GENERATOR");
    CHECK_STARTS(error_of(target + one_request + "body = \"{{set x = y}}\"\n" + one_phase),
                 "test.toml:7:8: body: unknown generator 'y'");
}

TEST_CASE("regex, any-of and length checks are read from a request's checks") {
    const plan::RunPlan plan = load_ok(target + one_request + R"(checks = [
  { json = "/state", one_of = ["done", 3, true] },
  { json = "/id", matches = "^[0-9]+$" },
  { json = "/items", length = [1, 50] },
  { json = "/tags", length = 2 },
  { body_matches = '"id":\s*[0-9]+' },
  { body_length = 0 },
  { header = "Content-Type", matches = "json" },
  { header = "ETag", exists = true },
]
)" + one_phase);
    const std::vector<CheckSpec>& checks = plan.requests[0].checks;
    REQUIRE(checks.size() == 8);
    CHECK(checks[0].kind == CheckSpec::Kind::json_one_of);
    REQUIRE(checks[0].values.size() == 3);
    CHECK(checks[0].values[0].text == "done");
    CHECK(checks[0].values[1].number == 3);
    CHECK(checks[0].values[2].boolean == true);
    CHECK(checks[1].kind == CheckSpec::Kind::json_matches);
    CHECK(checks[1].text == "^[0-9]+$");
    CHECK(checks[2].kind == CheckSpec::Kind::json_length);
    CHECK(checks[2].number_max == 50);
    CHECK(checks[3].number_min == 2);
    CHECK(checks[3].number_max == 2);
    CHECK(checks[4].kind == CheckSpec::Kind::body_matches);
    CHECK(checks[4].text == R"("id":\s*[0-9]+)");
    CHECK(checks[5].kind == CheckSpec::Kind::body_length);
    CHECK(checks[6].kind == CheckSpec::Kind::header_matches);
    CHECK(checks[6].header == "Content-Type");
    CHECK(checks[7].kind == CheckSpec::Kind::header_exists);
}

TEST_CASE("bad regex, any-of and length checks are refused at the check") {
    const auto check = [](const std::string& one) {
        return error_of(target + one_request + "checks = [{ status = 200 }, " + one + "]\n" +
                        one_phase);
    };
    CHECK_STARTS(check("{ body_matches = \"(\" }"),
                 "test.toml:7:29: check 2, body_matches: '(' is not a regular expression");
    CHECK_STARTS(check("{ json = \"/a\", one_of = [] }"), "test.toml:7:53: one_of must be");
    CHECK_STARTS(check("{ json = \"/a\", one_of = [[1]] }"),
                 "test.toml:7:54: one_of holds an array");
    CHECK_STARTS(check("{ json = \"/a\", length = -1 }"), "test.toml:7:53: length must be");
    CHECK_STARTS(check("{ body_length = [5, 1] }"),
                 "test.toml:7:45: body_length = [5, 1] is empty");
    CHECK_STARTS(check("{ json = \"/a\", length = 1, exists = true }"),
                 "test.toml:7:29: a json check needs exactly one of");
    CHECK_STARTS(check("{ header = \"X\" }"), "test.toml:7:29: a header check needs exactly one");
    CHECK_STARTS(check("{ header = \"X Y\", exists = true }"),
                 "test.toml:7:40: 'X Y' is not a header name");
    CHECK_STARTS(check("{ header = \"X\", equals = \"y\" }"),
                 "test.toml:7:45: unknown key 'equals' in a check");
    CHECK_STARTS(check("{ body_length = 1, body_matches = \"a\" }"),
                 "test.toml:7:29: a check needs exactly one of status, status_between, "
                 "body_contains, body_matches, body_length, json, header");
}

TEST_CASE("form and files build a multipart body with its Content-Type; form alone is urlencoded") {
    Scratch scratch;
    scratch.write("a.bin", std::string("x{{y\0z", 6));
    const std::string text = std::string(
                                 "[target]\nurl = \"http://127.0.0.1:8080\"\n"
                                 "headers = { Content-Type = \"text/plain\" }\n") +
                             R"(
[[requests]]
name = "upload"
method = "POST"
form = { title = "t {{seq}}" }
files = [{ field = "f", path = "a.bin", type = "image/png" }]
[[requests]]
name = "login"
method = "POST"
form = { user = "a b", pass = "{{uuid}}" }
)" + one_phase;
    auto loaded = load(text, {}, scratch.dir() + "/form.toml");
    REQUIRE_MESSAGE(loaded.ok(), loaded.error().message);
    const plan::RunPlan& plan = loaded.value();
    const plan::NamedRequest& upload = plan.requests[0];
    REQUIRE(upload.headers.size() == 1);
    CHECK(upload.headers[0].name == "Content-Type");
    CHECK(upload.headers[0].value.starts_with("multipart/form-data; boundary=----barrage"));
    CHECK(contains(upload.body, "name=\"f\"; filename=\"a.bin\"\r\nContent-Type: image/png"));
    CHECK(contains(upload.body, std::string("x{{{{y\0z", 8)));
    CHECK_FALSE(upload.body_form_urlencoded);
    const plan::NamedRequest& login = plan.requests[1];
    CHECK(login.headers[0].value == "application/x-www-form-urlencoded");
    CHECK(login.body == "pass={{uuid}}&user=a+b");
    CHECK(login.body_form_urlencoded);
}

TEST_CASE("bad forms are refused with their position") {
    CHECK_STARTS(error_of(target + one_request + "form = { a = 1 }\n" + one_phase),
                 "test.toml:7:14: form field 'a' is an integer");
    CHECK_STARTS(
        error_of(target + one_request + "form = { a = \"1\" }\nbody = \"x\"\n" + one_phase),
        "test.toml:7:8: form or files and body or body_file both give a body");
    CHECK_STARTS(error_of(target + one_request +
                          "form = { a = \"1\" }\nheaders = { content-type = \"x\" }\n" + one_phase),
                 "test.toml:7:8: a form sets Content-Type itself");
    CHECK_STARTS(error_of(target + one_request + "files = [{ field = \"f\" }]\n" + one_phase),
                 "test.toml:7:10: a file needs field and path");
    CHECK_STARTS(error_of(target + one_request +
                          "files = [{ path = \"/nonexistent/x\", field = "
                          "\"f\" }]\n" +
                          one_phase),
                 "test.toml:7:19: cannot read '/nonexistent/x'");
    CHECK_STARTS(
        error_of(target + one_request + "files = [{ field = \"f\", size = 1 }]\n" + one_phase),
        "test.toml:7:25: unknown key 'size' in a file in files");
    CHECK_STARTS(error_of(target + one_request + "form = { a = \"{{nope}}\" }\n" + one_phase),
                 "test.toml:7:8: body: unknown variable 'nope'");
}

TEST_CASE("urls name several targets of one scheme and path; the first is the target") {
    const plan::RunPlan plan = load_ok(
        "[target]\nurls = [\"http://127.0.0.1:8081/api\", \"http://localhost:8082/api\"]\n" +
        one_request + one_phase);
    CHECK(plan.target.port == 8081);
    REQUIRE(plan.more_targets.size() == 1);
    CHECK(plan.more_targets[0].host_header == "localhost:8082");
    CHECK(plan::target_count(plan) == 2);
    CHECK(&plan::target_of(plan, 1) == &plan.more_targets[0]);
    CHECK(load_ok(target + one_request + one_phase).more_targets.empty());
}

TEST_CASE("bad urls are refused with their position") {
    const auto error = [](const std::string& urls) {
        return error_of("[target]\n" + urls + "\n" + one_request + one_phase);
    };
    CHECK_STARTS(error("urls = []"), "test.toml:2:8: urls is empty");
    CHECK_STARTS(error("url = \"http://a:1\"\nurls = [\"http://b:1\"]"),
                 "test.toml:3:8: url and urls both name targets");
    CHECK_STARTS(error("urls = [\"http://a:1\", \"http://b:1/x\"]"),
                 "test.toml:2:23: 'http://b:1/x' differs from the first url in scheme or path");
    CHECK_STARTS(error("urls = [\"https://a:1\", \"https://b:1\"]"),
                 "test.toml:2:24: several https targets are not supported yet");
    CHECK_STARTS(error("urls = [\"http://a:1\", 5]"), "test.toml:2:23: urls holds a non-string");
    CHECK_STARTS(error("urls = [\"ftp://a\"]"), "test.toml:2:9: ");
}

TEST_CASE("a capture or {{set}} of a scenario's data-file column is refused") {
    Scratch scratch;
    const std::string csv = scratch.write("s.csv", "user\nx\n");
    const std::string scenario =
        "[[scenario]]\nname = \"s\"\nsession = { steps = [\"home\"] }\n"
        "[[scenario.data]]\npath = \"" +
        csv +
        "\"\n[[scenario.phases]]\nshape = \"users\"\nusers = 1\n"
        "duration = 1\n";
    CHECK(contains(
        error_of(target + one_request + "capture = { user = { json = \"/u\" } }\n" + scenario),
        "variable 'user' is defined twice (a data-file column cannot be captured"));
    CHECK(contains(error_of(target + one_request + "body = \"{{set user = uuid}}\"\n" + scenario),
                   "variable 'user' is defined twice"));
}

TEST_CASE("a missing target, URL or requests section says what to write") {
    CHECK_STARTS(error_of(one_request + one_phase), "test.toml: no [target]");
    CHECK_STARTS(error_of("[target]\n" + one_request + one_phase),
                 "test.toml:1:1: [target] has no url");
    CHECK_STARTS(error_of("[target]\nurl = \"ftp://h\"\n" + one_request + one_phase),
                 "test.toml:2:7: ");
    CHECK_STARTS(error_of(target + one_phase), "test.toml: no [[requests]]");
}

TEST_CASE("a profile argument is a .toml name or an existing regular file") {
    CHECK(profile::is_profile_argument("smoke.toml"));
    CHECK(profile::is_profile_argument(BARRAGE_SOURCE_DIR "/meson.build"));
    CHECK_FALSE(profile::is_profile_argument("http://127.0.0.1:8080/"));
    CHECK_FALSE(profile::is_profile_argument(BARRAGE_SOURCE_DIR "/src"));
}

TEST_CASE("every profile in profiles/ loads without error") {
    const std::filesystem::path dir = std::filesystem::path(BARRAGE_SOURCE_DIR) / "profiles";
    std::vector<std::string> loaded;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".toml") {
            continue;
        }
        CAPTURE(entry.path().string());
        auto run = profile::load_profile(entry.path().string(), {});
        if (!run) {
            FAIL_CHECK(run.error().message);
            continue;
        }
        loaded.push_back(entry.path().stem().string());
        // Long durations are overridable: a one-phase profile takes --duration.
        profile::ProfileOverrides shorter;
        shorter.duration_ns = 2 * s_ns;
        if (run.value().phases.size() == 1 && (run.value().phases[0].kind == PhaseKind::constant ||
                                               run.value().phases[0].kind == PhaseKind::users)) {
            CHECK(profile::load_profile(entry.path().string(), shorter).ok());
        }
        // Every plan can be shortened for CI in one flag, to a tenth of its time.
        profile::ProfileOverrides scaled;
        scaled.time_scale = 0.1;
        auto short_run = profile::load_profile(entry.path().string(), scaled);
        if (!short_run) {
            FAIL_CHECK(short_run.error().message);
            continue;
        }
        CHECK(plan::measured_ns(short_run.value()) * 10 ==
              doctest::Approx(static_cast<double>(plan::measured_ns(run.value()))).epsilon(0.001));
    }
    std::sort(loaded.begin(), loaded.end());
    CHECK(loaded == std::vector<std::string>{"baseline", "burst", "heavy-payload", "journey",
                                             "load", "scenarios", "smoke", "soak", "spike",
                                             "stress", "tasks"});
}

TEST_CASE("[target.tls] carries the command line's TLS options into the plan") {
    const std::string tls_target = R"([target]
url = "https://127.0.0.1:8443"
new_conn = true
[target.tls]
insecure = true
resume = false
sni = "api.example.test"
min_version = "1.3"
ciphersuites = "TLS_AES_128_GCM_SHA256"
)";
    const plan::RunPlan run = load_ok(tls_target + one_request + one_phase);
    CHECK(run.target.scheme == "https");
    CHECK(run.new_connection_per_request);
    CHECK(run.tls.insecure);
    CHECK_FALSE(run.tls.resume);
    CHECK(run.tls.sni == "api.example.test");
    CHECK(run.tls.version_min == 13);
    CHECK(run.tls.ciphersuites == "TLS_AES_128_GCM_SHA256");
    const plan::RunPlan verified = load_ok(
        "[target]\nurl = \"https://127.0.0.1:8443\"\n[target.tls]\ncacert = \"/dev/null\"\n" +
        one_request + one_phase);
    CHECK(verified.tls.ca_file == "/dev/null");
}

TEST_CASE("[target.tls] refuses an unreadable file, a bad version and unknown keys") {
    const std::string head = "[target]\nurl = \"https://127.0.0.1:8443\"\n[target.tls]\n";
    CHECK_STARTS(error_of(head + "cacert = \"/nonexistent/ca.pem\"\n" + one_request + one_phase),
                 "test.toml:4:");
    CHECK(contains(error_of(head + "min_version = \"1.1\"\n" + one_request + one_phase),
                   "expected \"1.2\" or \"1.3\""));
    CHECK(contains(error_of(head + "insecur = true\n" + one_request + one_phase), "insecur"));
}

TEST_CASE("a users phase reads users, think time and spawn rate, and sizes the connections") {
    const plan::RunPlan run = load_ok(target + one_request + R"(
[[phases]]
name = "users"
shape = "users"
users = 30
think = ["1s", "3s"]
spawn_rate = 5
duration = "2m"
)");
    REQUIRE(run.phases.size() == 1);
    CHECK(run.phases[0].users == 30);
    CHECK(run.phases[0].think_min_ns == s_ns);
    CHECK(run.phases[0].think_max_ns == 3 * s_ns);
    CHECK(run.phases[0].spawn_per_s == 5);
    CHECK(run.connections == 30);  // at least the largest number of users
}

TEST_CASE("toml++ never sees a non-ASCII byte: refused outside strings, escaped inside (fuzzing)") {
    // toml++ 3.3 reaches __builtin_unreachable testing some non-ASCII characters for whitespace.
    CHECK_STARTS(error_of(target + "connections = 5\xc3\xa9\n"), "test.toml:3:16: syntax error");
    CHECK(contains(error_of(target + "[[requests]]\nname = \"x\" \xef\xb9\xb0\n"), "non-ASCII"));
    // A quote after a bare character starts no string, in TOML nor in toml++ (fuzzing).
    CHECK(contains(error_of("\nname = 1ontent-len:\"\"\"ike\"\xef\xba\xbf/0 = "), "non-ASCII"));
    CHECK(contains(error_of(target + "connections = 5'\xc3\xa9'\n"), "non-ASCII"));
    // A backslash before it is no escape (fuzzing).
    CHECK(contains(error_of("#.et\n\"\"\"na #m\\\\\\\xef\xb3\xbf"
                            "a\\\\"),
                   "after a backslash"));
    CHECK(contains(error_of(target + "[[requests]]\nname = \"\\\xc3\xa9\"\n"), "backslash"));
    CHECK(contains(error_of("u = 7.'b\xef\xba\xbf"), "non-ASCII"));  // a number's point (fuzzing)
    // Whatever toml++ would make of a quote after a point inside a bare run, it sees only ASCII
    // (fuzzing: the string was taken for a literal one and toml++ read it as part of a value).
    CHECK(contains(error_of("u = 7;;;;.'b\xef\xba\xbf"), "syntax error"));
    CHECK(contains(error_of("u = 7;;;;.'b\xef\xba\xbf'"), "syntax error"));
    // Invalid UTF-8 (a lone continuation byte, an overlong form, a surrogate) is refused.
    CHECK(contains(error_of(target + "[[requests]]\nname = \"a\x80\"\n"), "invalid UTF-8"));
    CHECK(contains(error_of(target + "[[requests]]\nname = \"a\xc0\xaf\"\n"), "invalid UTF-8"));
    CHECK(contains(error_of(target + "[[requests]]\nname = '\xed\xa0\x80'\n"), "invalid UTF-8"));
    CHECK(contains(error_of(target + "# \xff\n"), "invalid UTF-8"));
    CHECK(contains(error_of(target + "[[requests]]\nname = 'caf\xc3\xa9\n"), "unterminated"));
    // status_between outside 100..599 is refused, not cast to int (fuzzing).
    CHECK(contains(error_of(target +
                            "[[requests]]\nname = \"a\"\nchecks = [{ status_between = [200, "
                            "3e49] }]\n" +
                            one_phase),
                   "100 to 599"));
    // A dotted key's quoted part is a string: reaches toml++ and is refused as an unknown key.
    const std::string dotted = error_of("\"caf\xc3\xa9\".'\xc3\xa9' = 1\n" + target);
    CHECK_FALSE(contains(dotted, "non-ASCII"));
    CHECK(contains(dotted, "unknown key"));
    // After a line-ending backslash the trimmed text goes on with the character itself.
    const plan::RunPlan trimmed =
        load_ok(target + "[[requests]]\nname = \"\"\"a\\  \n  \xc3\xa9\"\"\"\n" + one_phase);
    CHECK(trimmed.requests[0].name == "a\xc3\xa9");
    // Inside strings (all four kinds) and comments it is text like any other.
    const plan::RunPlan run = load_ok(target +
                                      R"(
# caf)"
                                      "\xc3\xa9"
                                      R"( comment
[[requests]]
name = "caf)"
                                      "\xc3\xa9"
                                      R"("
path = '/caf)"
                                      "\xc3\xa9"
                                      R"('
body = """
caf)"
                                      "\xc3\xa9"
                                      R"( \" """
headers = { X-Note = '''caf)"
                                      "\xc3\xa9"
                                      R"(''' }
)" + one_phase);
    CHECK(run.requests[0].name == "caf\xc3\xa9");
}

TEST_CASE("a literal string with non-ASCII text keeps its exact text through the rewrite") {
    // Backslashes and double quotes are text in literal strings; the rewrite to a basic
    // string escapes them. A multi-line one may end in up to two quotes of content.
    const plan::RunPlan run =
        load_ok(target + "[[requests]]\nname = 'C:\\\xc3\xa9\"x'\n" +
                "body = '''\n\xe2\x82\xac \\n \"\"\" ok\xf0\x9f\x98\x80 ''''\n" + one_phase);
    CHECK(run.requests[0].name == "C:\\\xc3\xa9\"x");
    CHECK(run.requests[0].body == "\xe2\x82\xac \\n \"\"\" ok\xf0\x9f\x98\x80 '");
}

namespace {

std::string suite_error(const Scratch& dir, const std::string& text,
                        const profile::SuiteFlags& flags = {}) {
    auto suite = profile::load_suite_text(text, dir.file("ci.toml"), flags);
    REQUIRE_FALSE(suite.ok());
    return suite.error().message;
}

}  // namespace

TEST_CASE("a suite loads every profile with its run's overrides, in order") {
    Scratch dir;
    dir.write("smoke.toml", target + one_request + one_phase);
    dir.write("stages/load.toml", target + one_request + one_phase);
    const std::string text = R"(name = "nightly"
cool_down = "5s"
stop_on_fail = true
[[run]]
profile = "smoke.toml"
[[run]]
name = "load"
profile = "stages/load.toml"
set = ["phases.0.rate=50"]
time_scale = 0.5
seed = 7
requests = 30
cool_down = "0s"
stop_on_fail = false
json = "load.json"
)";
    profile::SuiteFlags flags;
    flags.time_scale = 0.2;
    flags.quiet = true;
    auto loaded = profile::load_suite_text(text, dir.file("ci.toml"), flags);
    REQUIRE_MESSAGE(loaded.ok(), loaded.error().message);
    const profile::SuitePlan& suite = loaded.value();
    CHECK(suite.name == "nightly");
    REQUIRE(suite.runs.size() == 2);
    const profile::SuiteRun& smoke = suite.runs[0];
    CHECK(smoke.name == "smoke");  // the file's name without .toml
    CHECK(smoke.profile_path == dir.file("smoke.toml"));
    CHECK(smoke.cool_down_ns == 5'000'000'000);  // the suite's default
    CHECK(smoke.stop_on_fail);
    CHECK(smoke.plan.phases[0].duration_ns == 2'000'000'000);  // 10s x --time-scale 0.2
    CHECK(smoke.plan.outputs.quiet);
    const profile::SuiteRun& load = suite.runs[1];
    CHECK(load.name == "load");
    CHECK(load.cool_down_ns == 0);
    CHECK_FALSE(load.stop_on_fail);
    CHECK(load.plan.phases[0].rate_per_s == 50);
    CHECK(load.plan.phases[0].iterations == 30);
    CHECK(load.plan.phases[0].duration_ns == 600'000'000);  // 30 at 50 per second
    CHECK(load.plan.seed == 7);
    CHECK(load.plan.outputs.json_path == "load.json");
    CHECK(contains(load.plan.command_line, "(run 'load')"));
}

TEST_CASE("a suite refuses its mistakes and any profile's before a run, with file:line:col") {
    Scratch dir;
    dir.write("smoke.toml", target + one_request + one_phase);
    dir.write("typo.toml", target + one_request + one_phase + "duraton = \"5s\"\n");
    const std::string ci = dir.file("ci.toml");
    CHECK_STARTS(suite_error(dir,
                             "[[run]]\nprofile = \"smoke.toml\"\n[[run]]\nprofile = "
                             "\"typo.toml\"\n"),
                 ci + ":4:11: run 'typo': " + dir.file("typo.toml") +
                     ":12:1: unknown key 'duraton' in a constant phase; did you mean 'duration'?");
    CHECK_STARTS(suite_error(dir, "[[run]]\nprofile = \"smoke.toml\"\ncool_dwon = \"1s\"\n"),
                 ci + ":3:1: unknown key 'cool_dwon' in [[run]] 1; did you mean 'cool_down'?");
    CHECK_STARTS(suite_error(dir, "[[runs]]\nprofile = \"smoke.toml\"\n"),
                 ci + ":1:3: unknown key 'runs' in the suite; did you mean 'run'?");
    CHECK(contains(suite_error(dir, "name = \"x\"\n"), "a suite runs 1 to 100 profiles"));
    CHECK(contains(suite_error(dir, "[[run]]\nname = \"x\"\n"),
                   "[[run]] 1 has no profile; expected e.g. profile = \"smoke.toml\""));
    CHECK(contains(suite_error(dir, "[[run]]\nprofile = \"absent.toml\"\n"),
                   "run 'absent': cannot read"));
    CHECK(contains(suite_error(dir,
                               "[[run]]\nprofile = \"smoke.toml\"\n[[run]]\nprofile = "
                               "\"smoke.toml\"\n"),
                   "runs 1 and 2 are both named 'smoke'"));
    CHECK(contains(suite_error(dir, "[[run]]\nprofile = \"smoke.toml\"\ntime_scale = 0\n"),
                   "time_scale = 0 is out of range"));
    CHECK(contains(suite_error(dir, "[[run]]\nprofile = \"smoke.toml\"\nset = [1]\n"),
                   "'set' holds an integer; expected strings KEY=VALUE"));
    CHECK(contains(suite_error(dir, "[[run]]\nprofile = \"smoke.toml\"\nset = [\"x.y=1\"]\n"),
                   "run 'smoke': --set x.y=1"));
}

namespace {

// The arrivals the engine's schedule puts in each phase of `plan` (open loop).
std::vector<int64_t> arrivals_per_phase(const plan::RunPlan& plan) {
    std::vector<barrage::schedule::RateSegment> segments;
    for (const plan::PhasePlan& phase : plan.phases) {
        REQUIRE(phase.kind == plan::PhaseKind::constant);
        segments.push_back({phase.duration_ns, phase.rate_per_s, phase.rate_per_s});
    }
    auto schedule = barrage::schedule::ArrivalSchedule::make(segments);
    REQUIRE(schedule.ok());
    std::vector<int64_t> counts;
    int64_t start_ns = 0;
    for (const plan::PhasePlan& phase : plan.phases) {
        const int64_t end_ns = start_ns + phase.duration_ns;
        const int64_t before_end = end_ns == schedule.value().duration_ns()
                                       ? schedule.value().arrivals_total()
                                       : schedule.value().arrivals_before(end_ns);
        counts.push_back(before_end - schedule.value().arrivals_before(start_ns));
        start_ns = end_ns;
    }
    return counts;
}

std::string counted_phase(const std::string& name, const std::string& rate,
                          const std::string& extra) {
    return "\n[[phases]]\nname = \"" + name + "\"\nshape = \"constant\"\nrate = " + rate + "\n" +
           extra;
}

}  // namespace

TEST_CASE("iterations ends a constant phase after exactly N arrivals, about N / rate long") {
    const plan::RunPlan alone =
        load_ok(target + one_request + counted_phase("main", "40", "iterations = 100\n"));
    CHECK(alone.phases[0].iterations == 100);
    CHECK(alone.phases[0].duration_ns == 2'500'000'000);  // 100 / 40 per second
    CHECK(arrivals_per_phase(alone) == std::vector<int64_t>{100});
    // A warm-up of 100 requests, at a rate whose arrivals do not fall on whole
    // nanoseconds, then a main phase by time: each phase holds what it says.
    const plan::RunPlan warm = load_ok(
        target + one_request + counted_phase("warm", "30", "iterations = 100\nwarmup = true\n") +
        counted_phase("main", "7", "duration = \"1100ms\"\n") +
        counted_phase("tail", "3", "iterations = 10\n"));
    CHECK(arrivals_per_phase(warm) == std::vector<int64_t>{100, 8, 10});
    CHECK(warm.phases[0].duration_ns == 3'333'333'333);
    // Duration and count together: whichever ends first.
    const plan::RunPlan capped = load_ok(
        target + one_request + counted_phase("main", "10", "iterations = 1000\nduration = 5\n"));
    CHECK(capped.phases[0].duration_ns == 5'000'000'000);
    const plan::RunPlan counted = load_ok(
        target + one_request + counted_phase("main", "10", "iterations = 20\nduration = 5\n"));
    CHECK(counted.phases[0].duration_ns == 2'000'000'000);
    // --time-scale leaves a count alone: the phase still sends N.
    profile::ProfileOverrides scaled;
    scaled.time_scale = 0.1;
    CHECK(arrivals_per_phase(load_ok(
              target + one_request + counted_phase("main", "40", "iterations = 100\n"), scaled)) ==
          std::vector<int64_t>{100});
}

TEST_CASE("--requests N makes the main phase a count, open or closed loop") {
    profile::ProfileOverrides requests;
    requests.requests = 250;
    const plan::RunPlan plan = load_ok(target + one_request + one_phase, requests);
    CHECK(plan.phases[0].iterations == 250);
    CHECK(plan.phases[0].duration_ns == 2'500'000'000);  // the profile's 10s no longer bounds it
    requests.duration_ns = 1'000'000'000;
    CHECK(load_ok(target + one_request + one_phase, requests).phases[0].duration_ns ==
          1'000'000'000);  // -d ends first
    // Closed loop: the engine ends the run on the count; 10 minutes at most without a duration.
    const std::string users = "\n[[phases]]\nshape = \"users\"\nusers = 2\nduration = \"5s\"\n";
    profile::ProfileOverrides closed;
    closed.requests = 10;
    const plan::RunPlan counted = load_ok(target + one_request + users, closed);
    CHECK(counted.phases[0].iterations == 10);
    CHECK(counted.phases[0].duration_ns == 600'000'000'000);
    const plan::RunPlan own = load_ok(target + one_request + users + "iterations = 5\n");
    CHECK(own.phases[0].iterations == 5);
    CHECK(own.phases[0].duration_ns == 5'000'000'000);  // the limit it gave
    // A count on a users phase ends the run: only the last phase may have one.
    CHECK(contains(error_of(target + one_request + users + "iterations = 5\n" + users),
                   "iterations on a users phase ends the run, so it must be the last phase"));
    CHECK(contains(error_of(target + one_request + users + "main = true\n" + users, closed),
                   "--requests: the main phase 'phase 1' is neither constant nor the last users "
                   "phase"));
    CHECK(contains(error_of(target + one_request + counted_phase("main", "10", "iterations = 0\n")),
                   "iterations is 0; expected a whole number from 1"));
    CHECK(contains(
        error_of(target + one_request + counted_phase("main", "0.001", "iterations = 100000000\n")),
        "would take over 100 days"));
}

namespace {

// Two user classes over the same [[requests]]: an open-loop one and a users one.
const std::string two_scenarios = target + R"(
[[requests]]
name = "home"
path = "/"

[[requests]]
name = "login"
path = "/login"
weight = 0

[[requests]]
name = "buy"
path = "/buy"

[[scenario]]
name = "browse"
tags = ["read"]
connections = 4
session = { steps = ["home"] }

[[scenario.phases]]
name = "steady"
shape = "constant"
rate = 40
duration = "3s"

[[scenario]]
name = "shop"
tags = ["write", "read"]
start = "1s"
session = { setup = ["login"], steps = ["buy"] }

[[scenario.phases]]
name = "grow"
shape = "users"
users = 3
duration = "2s"

[[scenario.phases]]
name = "hold"
shape = "users"
users = 5
think = "100ms"
duration = "4s"
)";

}  // namespace

TEST_CASE("[[scenario]] tables become one ScenarioPlan each over the profile's requests") {
    const auto run = load_ok(two_scenarios);
    REQUIRE(run.scenarios.size() == 2);
    const plan::ScenarioPlan& browse = run.scenarios[0];
    const plan::ScenarioPlan& shop = run.scenarios[1];
    CHECK(browse.name == "browse");
    CHECK(browse.tags == std::vector<std::string>{"read"});
    CHECK(browse.session.steps == std::vector<size_t>{0});
    CHECK(browse.session.setup.empty());
    CHECK(browse.connections == 4);
    REQUIRE(browse.phases.size() == 1);
    CHECK(browse.phases[0].rate_per_s == 40);
    CHECK(plan::is_open_loop(browse));
    CHECK(shop.session.setup == std::vector<size_t>{1});
    CHECK(shop.session.steps == std::vector<size_t>{2});
    CHECK(shop.start_ns == s_ns);
    CHECK(shop.connections == 5);  // the most users of a phase
    CHECK_FALSE(plan::is_open_loop(shop));
    CHECK(shop.phases[1].think_min_ns == 100'000'000);
    // The run: no phases of its own, the scenarios' connections, the longest scenario.
    CHECK(run.phases.empty());
    CHECK(run.connections == 9);
    CHECK(plan::measured_ns(run) == 7 * s_ns);
    CHECK(plan::warmup_ns(run) == 0);
    CHECK(plan::is_open_loop(run));
    CHECK_FALSE(plan::headline_rate_per_s(run).has_value());
    CHECK(plan::first_request(run).name == "home");
    CHECK(plan::scenario_gate_names(run) ==
          std::vector<std::string>{"browse", "shop", "tag:read", "tag:write"});
    // Each scenario runs as a plan of its own, on its slice of the run's CPUs.
    const plan::RunPlan shop_plan = plan::scenario_run_plan(run, 1);
    CHECK(shop_plan.scenarios.empty());
    CHECK(shop_plan.phases.size() == 2);
    CHECK(shop_plan.connections == 5);
    CHECK(shop_plan.requests.size() == 3);
    CHECK(shop_plan.cpus.size() == static_cast<size_t>(shop_plan.threads));
    CHECK(plan::validate_run_plan(shop_plan).ok());
}

TEST_CASE("a profile without [[scenario]] has no scenarios and no scenario gate names") {
    const auto run = load_ok(target + one_request + one_phase);
    CHECK(run.scenarios.empty());
    CHECK(plan::scenario_gate_names(run).empty());
}

TEST_CASE("[[scenario]] beside top-level [[phases]] or [session] is refused where it is written") {
    CHECK_STARTS(error_of(two_scenarios + one_phase),
                 "test.toml:48:1: a profile with [[scenario]] tables has no top-level phases");
    CHECK_STARTS(error_of(target + one_request + "[session]\nsteps = [\"home\"]\n" +
                          "[[scenario]]\nname = \"a\"\nsession = { steps = [\"home\"] }\n" +
                          "[[scenario.phases]]\nshape = \"users\"\nusers = 1\nduration = 1\n"),
                 "test.toml:7:1: a profile with [[scenario]] tables has no top-level session");
}

TEST_CASE("a scenario's unknown keys, missing steps and bad names are refused with position") {
    const std::string head = target + one_request + "[[scenario]]\nname = \"a\"\n";
    const std::string phase = "[[scenario.phases]]\nshape = \"users\"\nusers = 1\nduration = 1\n";
    const std::string steps = "session = { steps = [\"home\"] }\n";
    const std::string unknown = error_of(head + "colour = 1\n" + steps + phase);
    CHECK_STARTS(unknown, "test.toml:9:1: unknown key 'colour' in [[scenario]]");
    CHECK(contains(unknown, "name, tags, start, connections, session, phases"));
    CHECK_STARTS(error_of(head + phase), "test.toml:7:1: [[scenario]] 'a' names no steps");
    CHECK_STARTS(error_of(head + steps), "test.toml:7:1: [[scenario]] 'a' has no phases");
    CHECK_STARTS(error_of(head + "session = { steps = [\"nope\"] }\n" + phase),
                 "test.toml:9:22: steps: 'nope' is not a request name");
    CHECK_STARTS(error_of(target + one_request + "[[scenario]]\nname = \"home\"\n" + steps + phase),
                 "test.toml:8:8: scenario name 'home' is also the name of a request");
    CHECK_STARTS(error_of(head + steps + phase + "[[scenario]]\nname = \"a\"\n" + steps + phase),
                 "test.toml:15:8: scenario name 'a' is also the name of another scenario");
    CHECK_STARTS(
        error_of(target + one_request + "[[scenario]]\nname = \"tag:x\"\n" + steps + phase),
        "test.toml:8:8: scenario name 'tag:x' cannot name it in a gate");
    CHECK_STARTS(error_of(head + "tags = [\"a b\"]\n" + steps + phase),
                 "test.toml:9:9: a tag must be a non-empty string");
    CHECK_STARTS(error_of(target + one_request + "[[requests]]\nname = \"tag:x\"\n" +
                          "[[scenario]]\nname = \"a\"\ntags = [\"x\"]\n" + steps + phase),
                 "test.toml:11:9: tag 'x' would make gates on 'tag:x' ambiguous");
    CHECK_STARTS(
        error_of(head + "connections = 3\n" + steps + phase),
        "test.toml:9:15: [[scenario]] 'a': a users scenario opens one connection per user");
    CHECK_STARTS(error_of(head + steps + phase + "warmup = true\n" + phase),
                 "test.toml:10:1: [[scenario]] 'a': phase 'phase 1' is a warmup");
    CHECK_STARTS(error_of(head + steps + "[[scenario.phases]]\nshape = \"users\"\nduration = 1\n"),
                 "test.toml:10:1: a users phase needs users");
}

TEST_CASE("with scenarios, -r and -d are refused, -c sets open-loop scenarios, --time-scale all") {
    profile::ProfileOverrides rate;
    rate.rate_per_s = 10;
    CHECK_STARTS(error_of(two_scenarios, rate),
                 "--rate: the profile's [[scenario]] tables each have their own phases");
    profile::ProfileOverrides duration;
    duration.duration_ns = s_ns;
    CHECK_STARTS(error_of(two_scenarios, duration), "--duration: the profile's [[scenario]]");
    profile::ProfileOverrides connections;
    connections.connections = 7;
    const auto run = load_ok(two_scenarios, connections);
    CHECK(run.scenarios[0].connections == 7);
    CHECK(run.scenarios[1].connections == 5);  // users: one per user, whatever -c says
    CHECK(run.connections == 12);
    profile::ProfileOverrides scaled;
    scaled.time_scale = 0.5;
    const auto half = load_ok(two_scenarios, scaled);
    CHECK(half.scenarios[0].phases[0].duration_ns == 1'500'000'000);
    CHECK(half.scenarios[1].start_ns == 500'000'000);
    CHECK(half.scenarios[1].phases[1].duration_ns == 2 * s_ns);
    CHECK(plan::measured_ns(half) == 3'500'000'000);
    profile::ProfileOverrides set;
    set.sets = {"scenario.browse.phases.steady.rate=80"};
    CHECK(load_ok(two_scenarios, set).scenarios[0].phases[0].rate_per_s == 80);
    CHECK_FALSE(profile::with_rate(run, 100, s_ns, 0).ok());  // find-max: one schedule only
}

TEST_CASE("threads are per scenario and every worker of the run has a CPU") {
    profile::ProfileOverrides threads;
    threads.threads = 2;
    const auto run = load_ok(two_scenarios, threads);
    CHECK(run.threads == 2);
    CHECK(run.cpus.size() == 4);  // two workers for each scenario
    CHECK(plan::scenario_run_plan(run, 0).cpus.size() == 2);
}

TEST_CASE("a scenario's own data files feed its sessions; another scenario's columns are refused") {
    Scratch scratch;
    const std::string buyers = scratch.write("buyers.csv", "user,card\nann,4111\n");
    const std::string admins = scratch.write("admins.csv", "user,role\nroot,all\n");
    const std::string requests = target + R"(
[[requests]]
name = "buy"
path = "/buy?u={{user}}&c={{card}}"

[[requests]]
name = "admin"
path = "/admin?u={{user}}"
headers = { "X-Role" = "{{role}}" }
)";
    const auto scenario = [](std::string name, std::string step, std::string csv) {
        return "[[scenario]]\nname = \"" + name + "\"\nsession = { steps = [\"" + step +
               "\"] }\n[[scenario.data]]\npath = \"" + csv +
               "\"\n[[scenario.phases]]\nshape = \"users\"\nusers = 1\nduration = 1\n";
    };
    const auto run =
        load_ok(requests + scenario("shop", "buy", buyers) + scenario("ops", "admin", admins));
    REQUIRE(run.scenarios.size() == 2);
    CHECK(run.data_files.empty());
    REQUIRE(run.scenarios[0].data_files.size() == 1);
    CHECK(run.scenarios[0].data_files[0].path == buyers);
    CHECK(run.scenarios[1].data_files[0].path == admins);
    // "user" is a column of both files: one variable, filled from each scenario's own file.
    CHECK(run.variables == std::vector<std::string>{"user", "card", "role"});
    CHECK(plan::scenario_run_plan(run, 1).data_files.size() == 1);
    CHECK(plan::scenario_run_plan(run, 1).data_files[0].path == admins);
    const std::string foreign =
        error_of(requests + scenario("shop", "admin", buyers) + scenario("ops", "buy", admins));
    CHECK_STARTS(foreign,
                 "test.toml:14:11: [[scenario]] 'shop' sends request 'admin', which uses "
                 "'role', a column of another scenario's data file only");
}

TEST_CASE("a count is refused on a profile of [[scenario]] tables, not ignored") {
    profile::ProfileOverrides requests;
    requests.requests = 5;
    CHECK(contains(error_of(two_scenarios, requests),
                   "--requests: the profile's [[scenario]] tables each have their own phases"));
    profile::ProfileOverrides set;
    set.sets = {"scenario.0.phases.0.iterations=5"};
    CHECK(contains(error_of(two_scenarios, set),
                   "scenario 'browse': phase 'steady': iterations is for a profile without"));
}

// ---- [[tasks]]: task groups and repeat ... until ----

namespace {

const std::string job_requests = R"(
[[requests]]
name = "submit"
method = "POST"
path = "/jobs"
capture = { job = { json = "/id" } }

[[requests]]
name = "poll"
path = "/jobs/{{job}}"
)";

}  // namespace

TEST_CASE("[[tasks]] become the session's task groups, with repeat steps and weights") {
    const plan::RunPlan run = load_ok(target + job_requests + one_request + R"(
[[tasks]]
name = "checkout"
weight = 3
requests = ["submit", { repeat = "poll", until = { json = "/status", equals = "completed" }, max_tries = 5, interval = "200ms" }]

[[tasks]]
name = "browse"
requests = ["home"]

[session]
order = "sequence"
)" + one_phase);
    REQUIRE(run.session.tasks.size() == 2);
    const plan::TaskPlan& checkout = run.session.tasks[0];
    CHECK(checkout.name == "checkout");
    CHECK(checkout.weight == 3);
    REQUIRE(checkout.steps.size() == 2);
    CHECK(checkout.steps[0].request == 0);
    CHECK_FALSE(checkout.steps[0].repeat);
    CHECK(checkout.steps[1].request == 1);
    REQUIRE(checkout.steps[1].repeat);
    CHECK(checkout.steps[1].repeat->until.kind == CheckSpec::Kind::json_equals);
    CHECK(checkout.steps[1].repeat->until.pointer == "/status");
    CHECK(checkout.steps[1].repeat->until.text == "completed");
    CHECK(checkout.steps[1].repeat->tries_max == 5);
    CHECK(checkout.steps[1].repeat->interval_ns == s_ns / 5);
    CHECK(run.session.tasks[1].weight == 1);
    CHECK(run.session.order == plan::SessionOrder::sequence);
    // The session's steps name each task's first request ("the" request of a report).
    CHECK(run.session.steps == std::vector<size_t>{0, 2});
}

TEST_CASE("a repeat step's defaults: 10 tries, no interval; until may ask that a pointer exists") {
    const plan::RunPlan run = load_ok(target + job_requests + R"(
[[tasks]]
name = "wait"
requests = [{ repeat = "poll", until = { json = "/done", exists = true } }]
)" + one_phase);
    REQUIRE(run.session.tasks.size() == 1);
    const plan::RepeatPlan& repeat = *run.session.tasks[0].steps[0].repeat;
    CHECK(repeat.until.kind == CheckSpec::Kind::json_exists);
    CHECK(repeat.tries_max == 10);
    CHECK(repeat.interval_ns == 0);
}

TEST_CASE("bad [[tasks]] are refused with where and what was expected") {
    const auto task = [](const std::string& body) {
        return target + job_requests + "\n[[tasks]]\n" + body + one_phase;
    };
    // Line 14 is the [[tasks]] header (where a missing key is reported), 15 its first key.
    CHECK_STARTS(error_of(task("name = \"t\"\nrequests = [\"pay\"]\n")),
                 "test.toml:16:13: 'pay' is not a request name; expected one of: submit, poll");
    CHECK_STARTS(error_of(task("requests = [\"poll\"]\n")), "test.toml:14:1: a task needs name");
    CHECK_STARTS(error_of(task("name = \"poll\"\nrequests = [\"poll\"]\n")),
                 "test.toml:15:8: task name 'poll' is also a request's name");
    CHECK_STARTS(error_of(task("name = \"t\"\nrequests = []\n")),
                 "test.toml:16:12: a task needs requests = [\"NAME\", ...]");
    CHECK_STARTS(error_of(task("name = \"t\"\n")), "test.toml:14:1: a task needs requests");
    CHECK_STARTS(error_of(task("name = \"t\"\nrequests = [\"poll\"]\ncolour = 1\n")),
                 "test.toml:17:1: unknown key 'colour' in [[tasks]] 't'");
    CHECK_STARTS(error_of(task("name = \"t\"\nrequests = [{ repeat = \"poll\" }]\n")),
                 "test.toml:16:13: a repeat step needs until");
    CHECK_STARTS(error_of(task("name = \"t\"\nrequests = [{ repeat = \"poll\", until = { json = "
                               "\"/s\", equals = 1 }, tries = 3 }]\n")),
                 "test.toml:16:");
    CHECK(contains(error_of(task("name = \"t\"\nrequests = [{ repeat = \"poll\", until = { json = "
                                 "\"/s\", equals = 1 }, tries = 3 }]\n")),
                   "unknown key 'tries' in a repeat step; expected one of: repeat, until, "
                   "max_tries, interval"));
    CHECK(contains(error_of(task("name = \"t\"\nrequests = [{ repeat = \"poll\", until = { json = "
                                 "\"/s\", equals = 1 }, max_tries = 0 }]\n")),
                   "max_tries is 0; expected a whole number from 1 to 1000000"));
    CHECK(contains(error_of(task("name = \"t\"\nrequests = [{ repeat = \"poll\", until = { json = "
                                 "\"/s\" } }]\n")),
                   "until needs json = \"/pointer\" and exactly one of equals = VALUE or "
                   "exists = true"));
    CHECK(contains(error_of(task("name = \"t\"\nrequests = [{ repeat = \"poll\", until = { json = "
                                 "\"s\", equals = 1 } }]\n")),
                   "until: "));
    CHECK(contains(error_of(task("name = \"t\"\nrequests = [{ repeat = \"poll\", until = { json = "
                                 "\"/s\", equals = 1, status = 200 } }]\n")),
                   "unknown key 'status' in until"));
    CHECK_STARTS(error_of(task("name = \"t\"\nrequests = [3]\n")),
                 "test.toml:16:13: a task's request is an integer; expected a request name");
    CHECK_STARTS(error_of(task("name = \"t\"\nrequests = [\"poll\"]\n\n[[tasks]]\nname = \"t\"\n"
                               "requests = [\"poll\"]\n")),
                 "test.toml:19:8: task name 't' is used twice");
    CHECK_STARTS(error_of(task("name = \"t\"\nweight = 0\nrequests = [\"poll\"]\n")),
                 "test.toml:16:10: every task has weight 0");
    CHECK_STARTS(error_of(task("name = \"t\"\nrequests = [\"poll\"]\n\n[session]\nsteps = "
                               "[\"poll\"]\n")),
                 "test.toml:19:9: [session] steps and [[tasks]] both say what each user repeats");
}

namespace {

// Two scenarios naming the profile's [[tasks]]: one task run by both.
const std::string scenario_tasks = target + R"(
[[requests]]
name = "submit"
path = "/jobs"

[[requests]]
name = "poll"
path = "/jobs/1"

[[requests]]
name = "browse_page"
path = "/"

[[tasks]]
name = "browse_item"
requests = ["browse_page"]

[[tasks]]
name = "checkout"
weight = 2
requests = ["submit", { repeat = "poll", until = { json = "/status", equals = "done" } }]

[[scenario]]
name = "buyers"
session = { tasks = ["checkout"] }

[[scenario.phases]]
name = "buy"
shape = "users"
users = 2
duration = "2s"

[[scenario]]
name = "visitors"
session = { order = "sequence", tasks = ["checkout", "browse_item"] }

[[scenario.phases]]
name = "visit"
shape = "constant"
rate = 10
duration = "3s"
)";

}  // namespace

TEST_CASE("a scenario's session names the profile's [[tasks]]; the run has one row per task") {
    const auto run = load_ok(scenario_tasks);
    REQUIRE(run.scenarios.size() == 2);
    REQUIRE(run.tasks.size() == 2);
    CHECK(plan::transaction_names(run) == std::vector<std::string>{"browse_item", "checkout"});
    const plan::SessionPlan& buyers = run.scenarios[0].session;
    REQUIRE(buyers.tasks.size() == 1);
    CHECK(buyers.tasks[0].name == "checkout");
    CHECK(buyers.tasks[0].weight == 2);
    CHECK(buyers.tasks[0].steps.size() == 2);
    CHECK(buyers.tasks[0].steps[1].repeat.has_value());
    CHECK(buyers.steps == std::vector<size_t>{0});  // each task's first request
    const plan::SessionPlan& visitors = run.scenarios[1].session;
    REQUIRE(visitors.tasks.size() == 2);
    CHECK(visitors.tasks[0].name == "checkout");
    CHECK(visitors.tasks[1].name == "browse_item");
    CHECK(visitors.order == plan::SessionOrder::sequence);
    CHECK(visitors.steps == std::vector<size_t>{0, 2});
    // A scenario's own plan keeps the run's rows: its tasks count into them by name.
    const plan::RunPlan buyers_plan = plan::scenario_run_plan(run, 0);
    CHECK(plan::transaction_names(buyers_plan) == plan::transaction_names(run));
    CHECK(buyers_plan.session.tasks.size() == 1);
    CHECK(plan::validate_run_plan(buyers_plan).ok());
    // Without scenarios the rows are the session's tasks.
    CHECK(plan::transaction_names(load_ok(target + one_request +
                                          "[[tasks]]\nname = \"t\"\n"
                                          "requests = [\"home\"]\n" +
                                          one_phase)) == std::vector<std::string>{"t"});
}

TEST_CASE("a scenario's tasks that are unknown, twice, unused or beside steps are refused") {
    const auto replaced = [](std::string from, std::string to) {
        std::string text = scenario_tasks;
        const auto at = text.find(from);
        REQUIRE(at != std::string::npos);
        return text.replace(at, from.size(), to);
    };
    CHECK_STARTS(error_of(replaced("tasks = [\"checkout\"]", "tasks = [\"chekout\"]")),
                 "test.toml:27:22: tasks: 'chekout' is not a task name; expected the name of "
                 "one of the profile's [[tasks]]: browse_item, checkout");
    CHECK_STARTS(error_of(replaced("tasks = [\"checkout\"]",
                                   "tasks = [\"checkout\", "
                                   "\"checkout\"]")),
                 "test.toml:27:34: tasks: 'checkout' is named twice");
    CHECK_STARTS(
        error_of(replaced("tasks = [\"checkout\", \"browse_item\"]", "tasks = [\"checkout\"]")),
        "test.toml:16:1: [[tasks]] 'browse_item' is run by no scenario");
    CHECK_STARTS(error_of(replaced("tasks = [\"checkout\"]", "tasks = []")),
                 "test.toml:27:21: tasks = [] names no task");
    CHECK_STARTS(error_of(replaced("session = { tasks = [\"checkout\"] }",
                                   "session = { steps = [\"poll\"], tasks = [\"checkout\"] }")),
                 "test.toml:27:21: [session] steps and [[tasks]] both say what each user repeats");
    CHECK_STARTS(error_of(replaced("name = \"buyers\"", "name = \"checkout\"")),
                 "test.toml:26:8: scenario name 'checkout' is also the name of a task");
    CHECK_STARTS(error_of(replaced("weight = 2\n", "weight = 0\n")
                              .replace(scenario_tasks.find("requests = [\"browse_page\"]"), 0,
                                       "weight = 0\n")),
                 "test.toml:28:21: every task has weight 0");
    CHECK_STARTS(
        error_of(scenario_tasks + "[[scenario.tasks]]\nname = \"own\"\nrequests = [\"poll\"]\n"),
        "test.toml:44:1: a scenario names the profile's [[tasks]] in its session");
    // Without scenarios every [[tasks]] runs: a session cannot pick some.
    CHECK_STARTS(
        error_of(target + one_request + "[[tasks]]\nname = \"t\"\nrequests = [\"home\"]\n" +
                 "[session]\ntasks = [\"t\"]\n" + one_phase),
        "test.toml:11:9: [session] tasks picks a [[scenario]]'s tasks");
}

TEST_CASE("a scenario profile's measured phases are every scenario's, unique by name") {
    CHECK(plan::measured_phase_names(load_ok(two_scenarios)) ==
          std::vector<std::string>{"steady", "grow", "hold"});
    // "visit" is only the visitors'; "main" is both scenarios', so each is qualified.
    std::string text = scenario_tasks;
    text.replace(text.find("name = \"buy\""), 12, "name = \"main\"");
    text +=
        "\n[[scenario.phases]]\nname = \"main\"\nshape = \"constant\"\nrate = 1\nduration = 1\n";
    CHECK(plan::measured_phase_names(load_ok(text)) ==
          std::vector<std::string>{"buyers.main", "visit", "visitors.main"});
    CHECK(plan::measured_phase_names(load_ok(target + one_request + one_phase)) ==
          std::vector<std::string>{"phase 1"});
}

// ---- environment variables in profiles (profile/environment.h) ----

namespace {

profile::Expanded expand(std::string_view text) {
    return profile::expand_variables(text, [](std::string_view name) -> std::optional<std::string> {
        if (name == "HOST") {
            return std::string("10.0.0.7");
        }
        if (name == "EMPTY") {
            return std::string();
        }
        return std::nullopt;
    });
}

}  // namespace

TEST_CASE("${NAME}, ${NAME:-default} and $$ expand; any other $ stays as written") {
    CHECK(expand("http://${HOST}:8080/").text == "http://10.0.0.7:8080/");
    CHECK(expand("${HOST}${HOST}").text == "10.0.0.710.0.0.7");
    CHECK(expand("${TOKEN:-anonymous}").text == "anonymous");
    CHECK(expand("${HOST:-x}").text == "10.0.0.7");
    CHECK(expand("${EMPTY:-fallback}").text == "fallback");  // as the shell's :-
    CHECK(expand("${EMPTY}").text.empty());
    CHECK(expand("${TOKEN:-}").text.empty());
    CHECK(expand("price $$5 and $.token and $1 and {{uuid}}").text ==
          "price $5 and $.token and $1 and {{uuid}}");
    CHECK(expand("$$${HOST}").text == "$10.0.0.7");
    CHECK(expand("$").text == "$");
    CHECK_FALSE(profile::has_variables("$.data[0] {{int 1 5}}"));

    const auto unset = expand("Bearer ${TOKEN}");
    REQUIRE(unset.error);
    CHECK(unset.error->offset == 7);
    CHECK(contains(unset.error->message, "environment variable 'TOKEN' is not set"));
    CHECK(contains(unset.error->message, "--env-file"));
    CHECK(contains(unset.error->message, "${TOKEN:-DEFAULT}"));
    const auto unclosed = expand("x ${HOST");
    REQUIRE(unclosed.error);
    CHECK(unclosed.error->offset == 2);
    CHECK(contains(unclosed.error->message, "no closing '}'"));
    const auto bad_name = expand("${1X}");
    REQUIRE(bad_name.error);
    CHECK(contains(bad_name.error->message, "'${1X}' is not a variable"));
}

TEST_CASE("a profile's string values take environment variables; --env-file values win") {
    ::setenv("BARRAGE_PROFILE_TEST_PORT", "9091", 1);
    ::setenv("BARRAGE_PROFILE_TEST_TOKEN", "from-environment", 1);
    const std::string text = R"([target]
url = "http://127.0.0.1:${BARRAGE_PROFILE_TEST_PORT}"

[[requests]]
name = "home"
path = "/${BARRAGE_PROFILE_TEST_PATH:-items}/{{int 1 9}}"
headers = { Authorization = "Bearer ${BARRAGE_PROFILE_TEST_TOKEN}", X-Cost = "$$5" }
)" + one_phase;
    profile::ProfileOverrides overrides;
    const auto run = load_ok(text, overrides);
    CHECK(run.target.port == 9091);
    CHECK(run.requests[0].path == "/items/{{int 1 9}}");  // templates are left to the template
    REQUIRE(run.requests[0].headers.size() == 2);
    CHECK(run.requests[0].headers[0].value == "Bearer from-environment");
    CHECK(run.requests[0].headers[1].value == "$5");

    overrides.environment = {{"BARRAGE_PROFILE_TEST_TOKEN", "first"},
                             {"BARRAGE_PROFILE_TEST_TOKEN", "from-file"},
                             {"BARRAGE_PROFILE_TEST_PATH", "orders"}};
    const auto from_file = load_ok(text, overrides);
    CHECK(from_file.requests[0].headers[0].value == "Bearer from-file");
    CHECK(from_file.requests[0].path == "/orders/{{int 1 9}}");
    ::unsetenv("BARRAGE_PROFILE_TEST_PORT");
    ::unsetenv("BARRAGE_PROFILE_TEST_TOKEN");
}

TEST_CASE("an unset variable without a default names itself, its place and how to set it") {
    const std::string text = target + R"(
[[requests]]
name = "home"
path = "/"
headers = { Authorization = "Bearer \t${BARRAGE_PROFILE_TEST_UNSET}" }
)" + one_phase;
    const std::string message = error_of(text);
    CHECK_STARTS(message,
                 "test.toml:7:39: environment variable 'BARRAGE_PROFILE_TEST_UNSET' is not set");
    CHECK(contains(message, "--env-file"));
    // A --set value is the shell's to expand, never ours.
    profile::ProfileOverrides overrides;
    overrides.sets = {"requests.home.path=/${NOT_EXPANDED}"};
    CHECK(load_ok(target + one_request + one_phase, overrides).requests[0].path ==
          "/${NOT_EXPANDED}");
}

TEST_CASE("env files: KEY=VALUE, export, comments and both quotes; bad lines say where") {
    const auto values = profile::parse_env_file(
        "# staging\n\nBASE_URL=http://127.0.0.1:8080/#frag # a comment\nexport TOKEN='a b#c'\n"
        "GREETING=\"say \\\"hi\\\"\\n\"\n  SPACED = padded  \nEMPTY=\n",
        "ci.env");
    REQUIRE(values.ok());
    REQUIRE(values.value().size() == 5);
    CHECK(values.value()[0].name == "BASE_URL");
    CHECK(values.value()[0].value == "http://127.0.0.1:8080/#frag");
    CHECK(values.value()[1].value == "a b#c");
    CHECK(values.value()[2].value == "say \"hi\"\n");
    CHECK(values.value()[3].name == "SPACED");
    CHECK(values.value()[3].value == "padded");
    CHECK(values.value()[4].value.empty());

    const auto no_equals = profile::parse_env_file("A=1\nJUST_A_WORD\n", "ci.env");
    REQUIRE_FALSE(no_equals.ok());
    CHECK_STARTS(no_equals.error().message, "--env-file ci.env:2: 'JUST_A_WORD' is not a variable");
    const auto unclosed = profile::parse_env_file("TOKEN=\"abc\n", "ci.env");
    REQUIRE_FALSE(unclosed.ok());
    CHECK_STARTS(unclosed.error().message,
                 "--env-file ci.env:1: the value of TOKEN has no closing quote");
    CHECK_FALSE(profile::parse_env_file("1X=2\n", "ci.env").ok());
    CHECK_STARTS(profile::read_env_file("/nonexistent/ci.env").error().message,
                 "--env-file: cannot read '/nonexistent/ci.env'");
}

TEST_CASE("[target] source and connect_rate are --source and --connect-rate") {
    const std::string target = R"([target]
url = "http://127.0.0.1:8080"
source = "127.0.0.2-127.0.0.4,127.0.0.9"
connect_rate = "2k"
)";
    const plan::RunPlan run = load_ok(target + one_request + one_phase);
    CHECK(run.sources.size() == 4);
    CHECK(run.connect_rate_per_s == 2000);
    const std::string bad = R"([target]
url = "http://127.0.0.1:8080"
source = "127.0.0.9-127.0.0.2"
)";
    const std::string error = error_of(bad + one_request + one_phase);
    CHECK(error.find("[target] source: '127.0.0.9-127.0.0.2' ends before it starts") !=
          std::string::npos);
    CHECK(error.find(":3:") != std::string::npos);
}

TEST_CASE("[target] pipeline sets the depth, and --pipeline overrides it") {
    const std::string pipelined = "[target]\nurl = \"http://127.0.0.1:8080\"\npipeline = 16\n";
    plan::RunPlan run = load_ok(pipelined + one_request + one_phase);
    CHECK(run.pipeline == 16);
    CHECK(load_ok(target + one_request + one_phase).pipeline == 1);
    profile::RunFlags flags;
    flags.pipeline = 4;
    REQUIRE(profile::apply_run_flags(run, flags).ok());
    CHECK(run.pipeline == 4);
    CHECK(contains(error_of("[target]\nurl = \"http://127.0.0.1:8080\"\npipeline = 0\n" +
                            one_request + one_phase),
                   "pipeline"));
}
