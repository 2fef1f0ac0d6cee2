#include "barrage/http/response_check.h"

#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "allocation_counter.h"
#include "barrage/http/capture.h"
#include "barrage/http/response_parser.h"
#include "barrage/http/template.h"

namespace {

using barrage::http::Capture;
using barrage::http::CaptureSpec;
using barrage::http::CaptureStatus;
using barrage::http::CheckFailures;
using barrage::http::CheckSpec;
using barrage::http::JsonBody;
using barrage::http::ParseStatus;
using barrage::http::ResponseChecks;
using barrage::http::ResponseKeep;
using barrage::http::ResponseParser;
using barrage::http::TemplateContext;
using barrage::http::TemplateScope;
using Kind = CheckSpec::Kind;

CheckSpec status_range(int min, int max) {
    CheckSpec spec;
    spec.status_min = min;
    spec.status_max = max;
    return spec;
}

CheckSpec json(Kind kind, std::string pointer) {
    CheckSpec spec;
    spec.kind = kind;
    spec.pointer = std::move(pointer);
    return spec;
}

CheckSpec json_range(std::string pointer, double min, double max) {
    CheckSpec spec = json(Kind::json_range, std::move(pointer));
    spec.number_min = min;
    spec.number_max = max;
    return spec;
}

ResponseChecks compile_ok(const std::vector<CheckSpec>& specs) {
    auto result = ResponseChecks::compile(specs);
    REQUIRE_MESSAGE(result.ok(), result.error().message);
    return std::move(result).value();
}

std::string compile_error(const std::vector<CheckSpec>& specs) {
    auto result = ResponseChecks::compile(specs);
    REQUIRE(!result.ok());
    return result.error().message;
}

// Whether the single check in `spec` passes on `body`.
bool passes(const CheckSpec& spec, std::string_view body, int status = 200) {
    const ResponseChecks checks = compile_ok({spec});
    JsonBody json_body(1024);
    json_body.reset(body);
    return !checks.evaluate(status, body, json_body).any();
}

const std::string kPrediction =
    R"({"prediction":{"score":42.5,"label":"cat","ok":true,"n":7,"big":18446744073709551615,)"
    R"("neg":-3,"none":null,"tags":["a","b"],"a/b":1,"m~n":2}})";

// ---------------------------------------------------------------- checks

TEST_CASE("status checks accept a set, a range, or both") {
    CheckSpec set;
    set.statuses = {200, 204};
    CHECK(passes(set, "", 204));
    CHECK_FALSE(passes(set, "", 201));
    CHECK(passes(status_range(200, 299), "", 200));
    CHECK(passes(status_range(200, 299), "", 299));
    CHECK_FALSE(passes(status_range(200, 299), "", 300));
    CHECK_FALSE(passes(status_range(200, 299), "", 199));
    CheckSpec both = status_range(500, 503);
    both.statuses = {404};
    CHECK(passes(both, "", 404));
    CHECK(passes(both, "", 502));
    CHECK_FALSE(passes(both, "", 200));
}

TEST_CASE("body_contains looks for the text anywhere in the body") {
    CheckSpec spec;
    spec.kind = Kind::body_contains;
    spec.text = "\"ok\"";
    CHECK(passes(spec, R"({"status":"ok"})"));
    CHECK_FALSE(passes(spec, R"({"status":"okay"})"));
    CHECK_FALSE(passes(spec, ""));
}

TEST_CASE("json_exists passes for any value, null included, and fails for a missing pointer") {
    CHECK(passes(json(Kind::json_exists, "/prediction/score"), kPrediction));
    CHECK(passes(json(Kind::json_exists, "/prediction/none"), kPrediction));
    CHECK(passes(json(Kind::json_exists, "/prediction/tags/1"), kPrediction));
    CHECK(passes(json(Kind::json_exists, "/prediction/a~1b"), kPrediction));
    CHECK(passes(json(Kind::json_exists, "/prediction/m~0n"), kPrediction));
    CHECK(passes(json(Kind::json_exists, ""), kPrediction));
    CHECK_FALSE(passes(json(Kind::json_exists, "/prediction/tags/2"), kPrediction));
    CHECK_FALSE(passes(json(Kind::json_exists, "/prediction/missing"), kPrediction));
    CHECK_FALSE(passes(json(Kind::json_exists, "/prediction/score/x"), kPrediction));
}

TEST_CASE("json_equals compares strings, numbers and booleans by type") {
    CheckSpec text = json(Kind::json_equals, "/prediction/label");
    text.text = "cat";
    CHECK(passes(text, kPrediction));
    text.text = "dog";
    CHECK_FALSE(passes(text, kPrediction));
    CheckSpec number = json(Kind::json_equals, "/prediction/n");
    number.number = 7;
    CHECK(passes(number, kPrediction));
    number.pointer = "/prediction/score";
    number.number = 42.5;
    CHECK(passes(number, kPrediction));
    number.pointer = "/prediction/label";
    CHECK_FALSE(passes(number, kPrediction));  // a string is not a number
    CheckSpec boolean = json(Kind::json_equals, "/prediction/ok");
    boolean.boolean = true;
    CHECK(passes(boolean, kPrediction));
    boolean.boolean = false;
    CHECK_FALSE(passes(boolean, kPrediction));
    CheckSpec seven_text = json(Kind::json_equals, "/prediction/n");
    seven_text.text = "7";
    CHECK_FALSE(passes(seven_text, kPrediction));  // the number 7 is not the string "7"
}

TEST_CASE("json_range includes both edges and rejects non-numbers") {
    CHECK(passes(json_range("/prediction/score", 0, 100), kPrediction));
    CHECK(passes(json_range("/prediction/score", 42.5, 42.5), kPrediction));
    CHECK_FALSE(passes(json_range("/prediction/score", 42.5000001, 100), kPrediction));
    CHECK_FALSE(passes(json_range("/prediction/score", 0, 42.4999999), kPrediction));
    CHECK(passes(json_range("/prediction/neg", -3, -3), kPrediction));
    CHECK(passes(json_range("/prediction/big", 1e19, 2e19), kPrediction));
    CHECK_FALSE(passes(json_range("/prediction/label", 0, 100), kPrediction));
    CHECK_FALSE(passes(json_range("/prediction/none", 0, 100), kPrediction));
    CHECK_FALSE(passes(json_range("/prediction/missing", 0, 100), kPrediction));
}

TEST_CASE("a body that is not JSON fails every JSON check and nothing else") {
    CheckSpec contains;
    contains.kind = Kind::body_contains;
    contains.text = "score";
    const ResponseChecks checks =
        compile_ok({status_range(200, 299), contains, json(Kind::json_exists, ""),
                    json_range("/score", 0, 1)});
    for (std::string_view body :
         {R"({"score": 0.5)", R"({"score": 0.5}})", "score", "", "\xff\xfe score", "{\"score\":"}) {
        CAPTURE(body);
        JsonBody json_body(64);
        json_body.reset(body);
        const CheckFailures failures = checks.evaluate(200, body, json_body);
        CHECK_FALSE(failures.failed(0));
        CHECK(failures.failed(1) == (body.find("score") == std::string_view::npos));
        CHECK(failures.failed(2));
        CHECK(failures.failed(3));
    }
}

TEST_CASE("a body longer than the JsonBody limit is not read as JSON") {
    const std::string body = R"({"a":")" + std::string(100, 'x') + R"("})";
    JsonBody json_body(50);
    json_body.reset(body);
    const ResponseChecks checks = compile_ok({json(Kind::json_exists, "/a")});
    CHECK(checks.evaluate(200, body, json_body).failed(0));
}

TEST_CASE("evaluate reports each failed check by index and allocates nothing") {
    CheckSpec label = json(Kind::json_equals, "/prediction/label");
    label.text = "dog";
    const ResponseChecks checks =
        compile_ok({status_range(200, 299), json_range("/prediction/score", 0, 100), label,
                    json(Kind::json_exists, "/prediction/missing")});
    const ResponseChecks status_only = compile_ok({status_range(200, 299)});
    JsonBody json_body(4096);
    const int64_t before = barrage::test::allocation_count();
    json_body.reset(kPrediction);
    const CheckFailures failures = checks.evaluate(503, kPrediction, json_body);
    json_body.reset(kPrediction);
    const CheckFailures passing = status_only.evaluate(200, kPrediction, json_body);
    CHECK(barrage::test::allocation_count() == before);
    CHECK(failures.mask == 0b1101);
    CHECK_FALSE(passing.any());
}

TEST_CASE("checks have human names for reports") {
    CheckSpec set;
    set.statuses = {200, 201};
    CheckSpec one;
    one.statuses = {204};
    CheckSpec contains;
    contains.kind = Kind::body_contains;
    contains.text = "ok";
    CheckSpec number = json(Kind::json_equals, "/n");
    number.number = 3;
    CheckSpec boolean = json(Kind::json_equals, "/ok");
    boolean.boolean = true;
    CheckSpec text = json(Kind::json_equals, "/label");
    text.text = "cat";
    const ResponseChecks checks = compile_ok(
        {status_range(200, 299), set, one, contains, json(Kind::json_exists, "/id"), number,
         boolean, text, json_range("/prediction/score", 0, 100), json_range("/x", -0.5, 1e6)});
    const std::vector<std::string> expected = {"status in 200-299",
                                               "status in {200, 201}",
                                               "status in 204",
                                               "body contains \"ok\"",
                                               "/id exists",
                                               "/n equals 3",
                                               "/ok equals true",
                                               "/label equals \"cat\"",
                                               "/prediction/score in [0, 100]",
                                               "/x in [-0.5, 1000000]"};
    REQUIRE(checks.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        CHECK(checks.name(i) == expected[i]);
    }
    CHECK(checks.needs_body());
    CHECK_FALSE(compile_ok({status_range(200, 299)}).needs_body());
}

TEST_CASE("bad check specs are refused, naming the check and the problem") {
    CHECK(compile_error({CheckSpec{}}) ==
          "check 1 (status_in): expected a list of statuses or a range (min and max)");
    CHECK(compile_error({status_range(200, 299), status_range(300, 200)}) ==
          "check 2 (status_in): status range 300-200 must satisfy 100 <= min <= max <= 999");
    CheckSpec bad_status;
    bad_status.statuses = {99};
    CHECK(compile_error({bad_status}) ==
          "check 1 (status_in): status 99 is not between 100 and 999");
    CheckSpec empty_text;
    empty_text.kind = Kind::body_contains;
    CHECK(compile_error({empty_text}) == "check 1 (body_contains): the text to look for is empty");
    CHECK(compile_error({json(Kind::json_exists, "score")}).find("'score' is not a JSON pointer") !=
          std::string::npos);
    CHECK(compile_error({json(Kind::json_exists, "/a~2")}).find("not a JSON pointer") !=
          std::string::npos);
    CheckSpec both = json(Kind::json_equals, "/a");
    both.number = 1;
    both.boolean = true;
    CHECK(compile_error({both}).find("got both a number and a boolean") != std::string::npos);
    CHECK(compile_error({json_range("/a", 5, 1)}) ==
          "check 1 (json_range): number_min 5 is above number_max 1");
    CHECK(compile_error({json_range("/a", 0, std::numeric_limits<double>::quiet_NaN())})
              .find("must be finite") != std::string::npos);
    CHECK(compile_error(std::vector<CheckSpec>(65, status_range(200, 299))) ==
          "65 checks on one request; at most 64 are allowed");
    CHECK(compile_ok(std::vector<CheckSpec>(64, status_range(200, 299))).size() == 64);
}

// ---------------------------------------------------------------- captures

// Parses `wire` with keep mode on into `keep`.
void parse_kept(std::string_view wire, ResponseKeep& keep) {
    ResponseParser parser;
    parser.keep(&keep);
    parser.reset();
    std::size_t consumed = 0;
    REQUIRE(parser.feed(std::span<const char>(wire), consumed) == ParseStatus::complete);
}

ResponseKeep make_keep(const std::vector<std::string>& headers,
                       barrage::http::ResponseKeepLimits limits = {}) {
    auto result = ResponseKeep::create(headers, limits);
    REQUIRE_MESSAGE(result.ok(), result.error().message);
    return std::move(result).value();
}

// ---------------------------------------------------------------- regex, any-of, length

CheckSpec with_text(Kind kind, std::string text, std::string pointer = "") {
    CheckSpec spec = json(kind, std::move(pointer));
    spec.text = std::move(text);
    return spec;
}

CheckSpec length_in(Kind kind, double min, double max, std::string pointer = "") {
    CheckSpec spec = json(kind, std::move(pointer));
    spec.number_min = min;
    spec.number_max = max;
    return spec;
}

TEST_CASE("body_matches searches the body's start with an ECMAScript regex") {
    const CheckSpec id = with_text(Kind::body_matches, R"("id":\s*"[0-9]+")");
    CHECK(passes(id, R"({"x":1, "id": "123"})"));
    CHECK_FALSE(passes(id, R"({"id": "12a"})"));
    CHECK(passes(with_text(Kind::body_matches, "^\\{"), "{}"));
    CHECK_FALSE(passes(with_text(Kind::body_matches, "^\\}"), "{}"));
    // Only the first regex_bytes_max bytes are searched, so a long body costs a bounded time.
    const std::string late = std::string(barrage::http::regex_bytes_max, ' ') + "needle";
    CHECK_FALSE(passes(with_text(Kind::body_matches, "needle"), late));
    CHECK(passes(with_text(Kind::body_matches, "needle"), late.substr(10)));
}

TEST_CASE("a regex over a long body does not exhaust the stack") {
    const ResponseChecks checks = compile_ok({with_text(Kind::body_matches, "(a|b)*xyz")});
    const std::string body = std::string(64 * 1024, 'a') + "xyz";
    JsonBody json_body(16);
    CHECK(checks.evaluate(200, body, json_body).any());  // the match lies beyond the window
}

TEST_CASE("json one_of passes when the value equals any listed value of its type") {
    CheckSpec state = json(Kind::json_one_of, "/prediction/label");
    state.values = {{"dog", {}, {}}, {"cat", {}, {}}};
    CHECK(passes(state, kPrediction));
    state.values = {{"dog", {}, {}}};
    CHECK_FALSE(passes(state, kPrediction));
    CheckSpec n = json(Kind::json_one_of, "/prediction/n");
    n.values = {{"7", {}, {}}, {"", {}, true}};
    CHECK_FALSE(passes(n, kPrediction));  // the string "7" is not the number 7
    n.values.push_back({"", 7.0, {}});
    CHECK(passes(n, kPrediction));
    CheckSpec ok = json(Kind::json_one_of, "/prediction/ok");
    ok.values = {{"", {}, false}, {"", {}, true}};
    CHECK(passes(ok, kPrediction));
    CHECK_FALSE(passes(ok, "not json"));
}

TEST_CASE("json matches applies a regex to a string value only") {
    CHECK(passes(with_text(Kind::json_matches, "^c.t$", "/prediction/label"), kPrediction));
    CHECK_FALSE(passes(with_text(Kind::json_matches, "^d", "/prediction/label"), kPrediction));
    CHECK_FALSE(passes(with_text(Kind::json_matches, "7", "/prediction/n"), kPrediction));
}

TEST_CASE("json length counts array elements, object members and string bytes") {
    CHECK(passes(length_in(Kind::json_length, 2, 2, "/prediction/tags"), kPrediction));
    CHECK_FALSE(passes(length_in(Kind::json_length, 3, 9, "/prediction/tags"), kPrediction));
    CHECK(passes(length_in(Kind::json_length, 10, 10, "/prediction"), kPrediction));
    CHECK(passes(length_in(Kind::json_length, 1, 3, "/prediction/label"), kPrediction));
    CHECK_FALSE(passes(length_in(Kind::json_length, 0, 100, "/prediction/n"), kPrediction));
    CHECK_FALSE(passes(length_in(Kind::json_length, 0, 100, "/missing"), kPrediction));
}

TEST_CASE("body_length judges the whole body's length, not the kept part") {
    const ResponseChecks checks = compile_ok({length_in(Kind::body_length, 1, 10)});
    JsonBody json_body(16);
    CHECK_FALSE(checks.evaluate(200, "", json_body).any() == false);
    CHECK_FALSE(checks.evaluate(200, "0123456789", json_body).any());
    const barrage::http::CheckedResponse cut{200, "0123", 5000, nullptr};
    CHECK(checks.evaluate(cut, json_body).any());
    CHECK_FALSE(checks.needs_body());
}

TEST_CASE("header checks read the kept header, any case") {
    CheckSpec type = with_text(Kind::header_matches, "^application/json");
    type.header = "Content-Type";
    CheckSpec etag = json(Kind::header_exists, "");
    etag.header = "ETag";
    const ResponseChecks checks = compile_ok({type, etag});
    CHECK(checks.headers() == std::vector<std::string>{"content-type", "etag"});
    CHECK_FALSE(checks.needs_body());
    ResponseKeep keep = make_keep(checks.headers());
    JsonBody json_body(16);
    parse_kept(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=utf-8\r\n"
        "Content-Length: 0\r\n\r\n",
        keep);
    const barrage::http::CheckedResponse response{200, keep.body(), 0, &keep};
    CHECK(checks.evaluate(response, json_body).mask == 0b10);  // no ETag
    parse_kept(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nEtag: \"1\"\r\n"
        "Content-Length: 0\r\n\r\n",
        keep);
    CHECK(checks.evaluate(response, json_body).mask == 0b01);
    CHECK(checks.evaluate(200, "", json_body).mask == 0b11);  // no headers kept: both fail
}

TEST_CASE("new checks have names and refuse bad specs") {
    CheckSpec one_of = json(Kind::json_one_of, "/state");
    one_of.values = {{"done", {}, {}}, {"", 3.0, {}}, {"", {}, true}};
    CheckSpec header = with_text(Kind::header_matches, "^a");
    header.header = "Content-Type";
    const ResponseChecks checks = compile_ok({one_of, with_text(Kind::body_matches, "ok$"),
                                              length_in(Kind::json_length, 1, 50, "/items"),
                                              length_in(Kind::body_length, 3, 3), header});
    CHECK(checks.name(0) == "/state one of {\"done\", 3, true}");
    CHECK(checks.name(1) == "body matches \"ok$\"");
    CHECK(checks.name(2) == "/items length [1, 50]");
    CHECK(checks.name(3) == "body length 3");
    CHECK(checks.name(4) == "header Content-Type matches \"^a\"");
    CHECK(compile_error({with_text(Kind::body_matches, "(")})
              .starts_with("check 1 (body_matches): '(' is not a regular expression"));
    CHECK(compile_error({with_text(Kind::body_matches, "(a)\\1")}).find("back-references") !=
          std::string::npos);
    CHECK(compile_error({json(Kind::json_one_of, "/a")}).find("one_of is empty") !=
          std::string::npos);
    CHECK(compile_error({length_in(Kind::body_length, 5, 1)}).find("0 <= min <= max") !=
          std::string::npos);
    CheckSpec bad_header = json(Kind::header_exists, "");
    bad_header.header = "a b";
    CHECK(compile_error({bad_header}).find("not a header name") != std::string::npos);
    CHECK(ResponseChecks::validate(with_text(Kind::json_matches, "[", "/a"))
              .error()
              .message.starts_with("json_matches: '[' is not a regular expression"));
    CHECK(ResponseChecks::validate(one_of).ok());
}

Capture capture_ok(const CaptureSpec& spec, const TemplateScope& scope) {
    auto result = Capture::compile(spec, scope);
    REQUIRE_MESSAGE(result.ok(), result.error().message);
    return std::move(result).value();
}

const TemplateScope kScope{{"token", "session", "score"}};

TEST_CASE("a JSON capture stores the value at the pointer in the session variable") {
    const std::string body = R"({"auth":{"token":"a\"b\u00e9","expires":3600,"ratio":0.25,)"
                             R"("admin":false,"none":null,"roles":[ "x", {"y" : 1} ]}})";
    const std::string wire =
        "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    ResponseKeep keep = make_keep({});
    parse_kept(wire, keep);
    JsonBody json_body(keep.limits().body_bytes_max);
    json_body.reset(keep.body());
    TemplateContext context(1, 3);
    const auto capture = [&](const std::string& pointer) {
        return capture_ok({"token", pointer, ""}, kScope).apply(keep, json_body, context);
    };
    CHECK(capture("/auth/token") == CaptureStatus::found);
    CHECK(context.variable(0) == "a\"b\xc3\xa9");
    CHECK(capture("/auth/expires") == CaptureStatus::found);
    CHECK(context.variable(0) == "3600");
    CHECK(capture("/auth/ratio") == CaptureStatus::found);
    CHECK(context.variable(0) == "0.25");
    CHECK(capture("/auth/admin") == CaptureStatus::found);
    CHECK(context.variable(0) == "false");
    CHECK(capture("/auth/roles") == CaptureStatus::found);
    CHECK(context.variable(0) == R"(["x",{"y":1}])");
    CHECK(capture("/auth/none") == CaptureStatus::not_found);
    CHECK(capture("/auth/missing") == CaptureStatus::not_found);
    CHECK(context.variable(0) == R"(["x",{"y":1}])");  // unchanged by a miss
}

TEST_CASE("a JSON capture from a body that is not JSON or was truncated is not found") {
    ResponseKeep keep = make_keep({}, {8, 64});
    const Capture capture = capture_ok({"token", "/t", ""}, kScope);
    TemplateContext context(1, 3);
    JsonBody json_body(8);
    parse_kept("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{\"t\":", keep);
    json_body.reset(keep.body());
    CHECK(capture.apply(keep, json_body, context) == CaptureStatus::not_found);
    parse_kept("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n{\"t\":\"long\"}", keep);
    json_body.reset(keep.body());
    CHECK(keep.body_truncated());
    CHECK(capture.apply(keep, json_body, context) == CaptureStatus::truncated);
    CHECK_FALSE(context.has_variable(0));
}

TEST_CASE("a header capture stores the first value of the header, any case") {
    const CaptureSpec spec{"session", "", "X-Session-Id"};
    const Capture capture = capture_ok(spec, kScope);
    CHECK(capture.header() == "x-session-id");
    CHECK_FALSE(capture.needs_body());
    CHECK(capture.variable() == 1);
    CHECK(capture.name() == "session from header x-session-id");
    ResponseKeep keep = make_keep(barrage::http::headers_to_keep(std::span(&capture, 1)));
    JsonBody json_body(16);
    TemplateContext context(1, 3);
    parse_kept(
        "HTTP/1.1 200 OK\r\nx-session-ID:   s-1 2  \r\nX-Session-Id: s-2\r\n"
        "Content-Length: 0\r\n\r\n",
        keep);
    json_body.reset(keep.body());
    CHECK(capture.apply(keep, json_body, context) == CaptureStatus::found);
    CHECK(context.variable(1) == "s-1 2");
    parse_kept("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", keep);
    json_body.reset(keep.body());
    CHECK(capture.apply(keep, json_body, context) == CaptureStatus::not_found);
    CHECK(context.variable(1) == "s-1 2");
}

TEST_CASE("a header value over the keep limit is reported as truncated") {
    const Capture capture = capture_ok({"token", "", "Token"}, kScope);
    ResponseKeep keep = make_keep({"token"}, {0, 4});
    JsonBody json_body(0);
    TemplateContext context(1, 3);
    parse_kept("HTTP/1.1 200 OK\r\nToken: abcd   \r\nContent-Length: 0\r\n\r\n", keep);
    json_body.reset(keep.body());
    CHECK(capture.apply(keep, json_body, context) == CaptureStatus::found);
    CHECK(context.variable(0) == "abcd");
    parse_kept("HTTP/1.1 200 OK\r\nToken: abcde\r\nContent-Length: 0\r\n\r\n", keep);
    json_body.reset(keep.body());
    CHECK(capture.apply(keep, json_body, context) == CaptureStatus::truncated);
}

TEST_CASE("bad capture specs are refused") {
    auto error = [](const CaptureSpec& spec) {
        auto result = Capture::compile(spec, kScope);
        REQUIRE(!result.ok());
        return result.error().message;
    };
    CHECK(error({"tokn", "/t", ""}) == "capture of 'tokn': the variable is not declared");
    CHECK(error({"token", "", ""}) ==
          "capture of 'token': expected exactly one of a JSON pointer or a header");
    CHECK(error({"token", "/t", "X-T"}) ==
          "capture of 'token': expected exactly one of a JSON pointer or a header");
    CHECK(error({"token", "t", ""}).find("'t' is not a JSON pointer") != std::string::npos);
    CHECK(error({"token", "", "X T"}) == "capture of 'token': 'X T' is not a header name");
    CHECK(capture_ok({"score", "/a/b", ""}, kScope).name() == "score from /a/b");
}

}  // namespace
