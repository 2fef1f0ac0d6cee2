#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <ostream>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../../src/http/http_impl.h"
#include "allocation_counter.h"
#include "barrage/base/excerpt.h"
#include "barrage/http/basic_auth.h"
#include "barrage/http/request.h"
#include "barrage/http/response_parser.h"

namespace {

using barrage::http::is_token;
using barrage::http::ParseStatus;
using barrage::http::RequestSpec;
using barrage::http::ResponseLimits;
using barrage::http::ResponseParser;
using barrage::http::serialize_request;
using namespace std::string_literals;

const std::string kUserAgent = "User-Agent: barrage/" BARRAGE_VERSION "\r\n";

// ---------------------------------------------------------------- requests

RequestSpec get_spec() {
    RequestSpec spec;
    spec.host_header = "example.com";
    return spec;
}

std::string serialize_ok(const RequestSpec& spec) {
    auto result = serialize_request(spec);
    REQUIRE_MESSAGE(result.ok(), result.error().message);
    return result.value();
}

std::string serialize_error(const RequestSpec& spec) {
    auto result = serialize_request(spec);
    REQUIRE(!result.ok());
    return result.error().message;
}

TEST_CASE("a GET is serialized with Host and User-Agent and nothing else") {
    CHECK(serialize_ok(get_spec()) ==
          "GET / HTTP/1.1\r\nHost: example.com\r\n" + kUserAgent + "\r\n");
}

TEST_CASE("a POST with a body gets its Content-Length after the user headers") {
    RequestSpec spec = get_spec();
    spec.method = "POST";
    spec.path = "/submit?x=1";
    spec.headers = {{"Content-Type", "application/json"}, {"X-Trace", ""}};
    spec.body = R"({"a":1})";
    CHECK(serialize_ok(spec) == "POST /submit?x=1 HTTP/1.1\r\nHost: example.com\r\n" + kUserAgent +
                                    "Content-Type: application/json\r\nX-Trace: \r\n"
                                    "Content-Length: 7\r\n\r\n{\"a\":1}");
}

TEST_CASE("POST, PUT and PATCH without a body send Content-Length: 0; GET does not") {
    for (const char* method : {"POST", "PUT", "PATCH"}) {
        RequestSpec spec = get_spec();
        spec.method = method;
        CHECK(serialize_ok(spec) == std::string(method) + " / HTTP/1.1\r\nHost: example.com\r\n" +
                                        kUserAgent + "Content-Length: 0\r\n\r\n");
    }
    RequestSpec spec = get_spec();
    spec.method = "DELETE";
    CHECK(serialize_ok(spec).find("Content-Length") == std::string::npos);
    spec.body = "x";
    CHECK(serialize_ok(spec).find("Content-Length: 1\r\n\r\nx") != std::string::npos);
}

TEST_CASE("user Host, User-Agent and Content-Length replace the defaults, in any case") {
    RequestSpec spec = get_spec();
    spec.method = "PUT";
    spec.body = "abc";
    spec.headers = {{"HOST", "other:8080"}, {"user-agent", "me/1"}, {"content-LENGTH", " 3 "}};
    CHECK(
        serialize_ok(spec) ==
        "PUT / HTTP/1.1\r\nHOST: other:8080\r\nuser-agent: me/1\r\ncontent-LENGTH:  3 \r\n\r\nabc");
}

TEST_CASE("a user Transfer-Encoding suppresses the automatic Content-Length") {
    RequestSpec spec = get_spec();
    spec.method = "POST";
    spec.headers = {{"Transfer-Encoding", "chunked"}};
    spec.body = "0\r\n\r\n";
    CHECK(serialize_ok(spec).find("Content-Length") == std::string::npos);
}

TEST_CASE("keep_alive false adds Connection: close as the last header") {
    RequestSpec spec = get_spec();
    spec.keep_alive = false;
    spec.path = "*";
    spec.method = "OPTIONS";
    CHECK(serialize_ok(spec) ==
          "OPTIONS * HTTP/1.1\r\nHost: example.com\r\n" + kUserAgent + "Connection: close\r\n\r\n");
}

TEST_CASE("a method that is not a token is rejected, naming the method") {
    for (const char* method : {"", "GE T", "GET\r\n", "GET/", "G\"ET"}) {
        RequestSpec spec = get_spec();
        spec.method = method;
        // Quoted through excerpt: "GET\r\n" shows as GET\x0d\x0a, never as a line break.
        CHECK(serialize_error(spec).find("method '" + barrage::base::excerpt(method) + "'") == 0);
    }
}

TEST_CASE("a header name that is not a token is rejected, naming the header") {
    RequestSpec spec = get_spec();
    spec.headers = {{"ok", "1"}, {"x y", "2"}};
    CHECK(serialize_error(spec).find("header name 'x y' is not a valid token") == 0);
    for (const char* name : {"", "a:b", "a\r\nb", "caf\xc3\xa9"}) {
        spec.headers = {{name, "v"}};
        CHECK(serialize_error(spec).find("is not a valid token") != std::string::npos);
    }
}

TEST_CASE("a header value with CR, LF or NUL is rejected (no header injection)") {
    for (const std::string& value : {"a\r\nEvil: 1"s, "a\nb"s, "a\rb"s, "a\0b"s}) {
        RequestSpec spec = get_spec();
        spec.headers = {{"X-Test", value}};
        CHECK(serialize_error(spec).find("header 'X-Test'") == 0);
    }
    RequestSpec spec = get_spec();
    spec.host_header = "example.com\r\nX: 1";
    CHECK(serialize_error(spec).find("Host") != std::string::npos);
}

TEST_CASE("a path must start with '/' (or be '*') and hold no spaces or controls") {
    for (const char* path : {"", "x", "http://a/", "/a b", "/a\r\n", "/\x7f", "**"}) {
        RequestSpec spec = get_spec();
        spec.path = path;
        CHECK(serialize_error(spec).find("request path") == 0);
    }
}

TEST_CASE("a user Content-Length that disagrees with the body is rejected") {
    for (const char* value : {"4", "", "3x", "-3", "03a"}) {
        RequestSpec spec = get_spec();
        spec.method = "POST";
        spec.body = "abc";
        spec.headers = {{"Content-Length", value}};
        CHECK(serialize_error(spec).find("does not match the body size of 3 bytes") !=
              std::string::npos);
    }
}

TEST_CASE("is_token accepts RFC 9110 tchar runs only") {
    CHECK(is_token("GET"));
    CHECK(is_token("X-Custom_header.1"));
    CHECK(is_token("!#$%&'*+-.^_`|~09azAZ"));
    CHECK_FALSE(is_token(""));
    CHECK_FALSE(is_token("a b"));
    CHECK_FALSE(is_token("a:b"));
    CHECK_FALSE(is_token("a\tb"));
    CHECK_FALSE(is_token("(x)"));
    CHECK_FALSE(is_token("\x80"));
}

// ---------------------------------------------------------------- responses

// What the parser said about one response of a stream. `end` is the offset in
// the whole stream just past the response, so it does not depend on splits.
struct Outcome {
    ParseStatus status = ParseStatus::partial;
    std::size_t end = 0;
    int status_code = 0;
    bool keep_alive = false;
    int64_t body_bytes = 0;
    std::string error;

    bool operator==(const Outcome&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
    const char* names[] = {"complete", "partial", "invalid"};
    return os << "{" << names[static_cast<int>(o.status)] << " end=" << o.end
              << " status=" << o.status_code << " keep_alive=" << o.keep_alive
              << " body=" << o.body_bytes << " error='" << o.error << "'}";
}

std::ostream& operator<<(std::ostream& os, const std::vector<Outcome>& outcomes) {
    os << "[";
    for (const Outcome& o : outcomes) {
        os << " " << o;
    }
    return os << " ]";
}

struct StreamOptions {
    bool head = false;
    bool eof = false;  // call finish_on_eof after the last byte
    ResponseLimits limits = {};
};

Outcome outcome_of(const ResponseParser& parser, ParseStatus status, std::size_t end) {
    return {status,        end, parser.status_code(), parser.keep_alive(), parser.body_bytes(),
            parser.error()};
}

// Feeds `wire` cut at `cuts` (ascending offsets), resetting after every
// complete response like the engine does; records one Outcome per response.
std::vector<Outcome> parse_stream(std::string_view wire, const std::vector<std::size_t>& cuts,
                                  const StreamOptions& options = {}) {
    ResponseParser parser(options.limits);
    parser.reset(options.head);
    std::vector<Outcome> outcomes;
    std::size_t piece_begin = 0;
    for (std::size_t i = 0; i <= cuts.size(); ++i) {
        const std::size_t piece_end = i < cuts.size() ? cuts[i] : wire.size();
        std::size_t at = piece_begin;
        while (at < piece_end) {
            std::size_t consumed = 12345;
            const ParseStatus status =
                parser.feed(std::span<const char>(wire.data() + at, piece_end - at), consumed);
            REQUIRE(consumed <= piece_end - at);
            at += consumed;
            if (status == ParseStatus::partial) {
                REQUIRE(at == piece_end);
                break;
            }
            outcomes.push_back(outcome_of(parser, status, at));
            if (status == ParseStatus::invalid) {
                return outcomes;
            }
            parser.reset(options.head);
        }
        piece_begin = piece_end;
    }
    if (options.eof && (outcomes.empty() || !parser.idle())) {
        outcomes.push_back(outcome_of(parser, parser.finish_on_eof(), wire.size()));
    }
    return outcomes;
}

std::vector<Outcome> parse_whole(std::string_view wire, const StreamOptions& options = {}) {
    return parse_stream(wire, {}, options);
}

std::vector<Outcome> parse_bytewise(std::string_view wire, const StreamOptions& options = {}) {
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < wire.size(); ++i) {
        cuts.push_back(i);
    }
    return parse_stream(wire, cuts, options);
}

// Every single and every pair of split points, and byte at a time, must give
// the same outcomes as the known answer.
void check_every_split(std::string_view wire, const std::vector<Outcome>& expected,
                       const StreamOptions& options = {}) {
    CAPTURE(wire);
    REQUIRE(parse_whole(wire, options) == expected);
    CHECK(parse_bytewise(wire, options) == expected);
    for (std::size_t a = 0; a <= wire.size(); ++a) {
        CAPTURE(a);
        REQUIRE(parse_stream(wire, {a}, options) == expected);
        for (std::size_t b = a; b <= wire.size(); b += (wire.size() > 200 ? 7 : 1)) {
            CAPTURE(b);
            REQUIRE(parse_stream(wire, {a, b}, options) == expected);
        }
    }
}

Outcome complete(std::size_t end, int status_code, bool keep_alive, int64_t body_bytes) {
    return {ParseStatus::complete, end, status_code, keep_alive, body_bytes, ""};
}

// One response that makes up all of `wire`.
void check_one(std::string_view wire, int status_code, bool keep_alive, int64_t body_bytes,
               const StreamOptions& options = {}) {
    check_every_split(wire, {complete(wire.size(), status_code, keep_alive, body_bytes)}, options);
}

// Compares status and error only: where an invalid parse stops is not part of the contract.
void check_invalid_everywhere(std::string_view wire, std::string_view error,
                              const StreamOptions& options = {}) {
    CAPTURE(wire);
    const auto same = [&](const std::vector<Outcome>& outcomes) {
        return !outcomes.empty() && outcomes.back().status == ParseStatus::invalid &&
               outcomes.back().error == error;
    };
    CHECK(same(parse_whole(wire, options)));
    CHECK(same(parse_bytewise(wire, options)));
    for (std::size_t a = 0; a <= wire.size(); ++a) {
        CAPTURE(a);
        REQUIRE(same(parse_stream(wire, {a}, options)));
    }
}

TEST_CASE("a simple Content-Length response reports status, sizes and keep-alive") {
    const std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: t\r\n\r\nhello";
    ResponseParser parser;
    CHECK(parser.idle());
    std::size_t consumed = 0;
    REQUIRE(parser.feed(std::span<const char>(wire), consumed) == ParseStatus::complete);
    CHECK(consumed == wire.size());
    CHECK(parser.status_code() == 200);
    CHECK(parser.keep_alive());
    CHECK(parser.header_bytes() == static_cast<int64_t>(wire.size() - 5));
    CHECK(parser.body_bytes() == 5);
    CHECK(std::string(parser.error()).empty());
    CHECK_FALSE(parser.idle());
    parser.reset();
    CHECK(parser.idle());
    CHECK(parser.body_bytes() == 0);
    CHECK(parser.header_bytes() == 0);
}

TEST_CASE("the parser state is small and feeding never allocates") {
    CHECK(sizeof(ResponseParser) <= 128);
    const std::string wire =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n"
        "3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n";
    ResponseParser parser;
    const int64_t before = barrage::test::allocation_count();
    for (std::size_t i = 0; i < wire.size(); ++i) {
        std::size_t consumed = 0;
        parser.feed(std::span<const char>(wire.data() + i, 1), consumed);
    }
    CHECK(barrage::test::allocation_count() == before);
    CHECK(parser.body_bytes() == 3);
}

TEST_CASE("responses of every framing give the same result at every split point") {
    struct Case {
        std::string wire;
        int status_code;
        bool keep_alive;
        int64_t body_bytes;
        StreamOptions options;
    };
    const std::string chunked =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5;name=value\r\nhello\r\nA ; ext ; x=\"q\"\r\n0123456789\r\n"
        "0\r\nTrailer-One: x\r\nTrailer-Two: y\r\n\r\n";
    const std::string interim =
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
        "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok";
    const std::vector<Case> cases = {
        {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 200, true, 5, {}},
        {chunked, 200, true, 15, {}},
        {"HTTP/1.1 200 OK\r\nServer: x\r\n\r\nabcdef", 200, false, 6, {.eof = true}},
        {"HTTP/1.1 200 OK\r\n\r\n", 200, false, 0, {.eof = true}},
        {"HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n", 204, true, 0, {}},
        {"HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n", 304, true, 0, {}},
        {"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", 200, true, 0, {.head = true}},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 200, true, 0, {.head = true}},
        {interim, 201, true, 2, {}},
        {"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabc", 200, false, 3, {}},
        {"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx",
         200,
         true,
         1,
         {}},
        {"HTTP/1.1 200 OK\nContent-Length: 2\n\nok", 200, true, 2, {}},
        {"HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n", 404, true, 0, {}},
        {"HTTP/1.1 503 \r\nContent-Length: 1\r\n\r\n!", 503, true, 1, {}},
        {"HTTP/1.1 200 OK\r\ncontent-length:3\r\n\r\nabc", 200, true, 3, {}},
        {"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", 101, false, 0, {}},
        {"HTTP/1.1 999 Custom\r\nContent-Length: 0\r\n\r\n", 999, true, 0, {}},
    };
    for (const Case& c : cases) {
        check_one(c.wire, c.status_code, c.keep_alive, c.body_bytes, c.options);
    }
}

TEST_CASE("pipelined responses in one buffer complete one by one with exact consumed") {
    const std::string first = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
    const std::string second =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n";
    const std::string third = "HTTP/1.1 204 No Content\r\n\r\n";
    const std::string fourth =
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 1\r\n\r\n?";
    const std::string wire = first + second + third + fourth;
    std::size_t end = 0;
    std::vector<Outcome> expected;
    end += first.size();
    expected.push_back(complete(end, 200, true, 3));
    end += second.size();
    expected.push_back(complete(end, 200, true, 2));
    end += third.size();
    expected.push_back(complete(end, 204, true, 0));
    end += fourth.size();
    expected.push_back(complete(end, 404, true, 1));
    check_every_split(wire, expected);
}

TEST_CASE("feeding after a complete response without reset() is a failed assertion") {
    const auto feed_twice = [] {
        ResponseParser parser;
        const std::string wire = "HTTP/1.1 204 No Content\r\n\r\n";
        std::size_t consumed = 0;
        parser.feed(std::span<const char>(wire), consumed);
        parser.feed(std::span<const char>(wire), consumed);
    };
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        std::signal(SIGABRT, SIG_DFL);
        const int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, STDERR_FILENO);
        feed_twice();
        _exit(0);
    }
    int wstatus = 0;
    waitpid(pid, &wstatus, 0);
    CHECK(WIFSIGNALED(wstatus));
}

TEST_CASE("garbage is rejected at its first byte that cannot start \"HTTP/1.\"") {
    for (const std::string& wire : {"HELLO"s, "\x00\x01\x02\x03\x04"s, "http/1.1 200 OK\r\n\r\n"s,
                                    "<html>"s, "HTTP/2 200\r\n\r\n"s, "\r\nHTTP/1.1 200 OK\r\n"s}) {
        check_invalid_everywhere(wire, "invalid status line");
    }
    // "HELLO" fails at its second byte: the parser never waits for more.
    ResponseParser parser;
    std::size_t consumed = 0;
    CHECK(parser.feed(std::span<const char>("HE", 2), consumed) == ParseStatus::invalid);
    CHECK(consumed == 1);
    CHECK(std::string_view(parser.error()) == "invalid status line");
}

TEST_CASE("malformed status lines are invalid") {
    for (const char* wire : {"HTTP/1.x 200 OK\r\n", "HTTP/1.1200 OK\r\n", "HTTP/1.1  200 OK\r\n",
                             "HTTP/1.1 20 OK\r\n", "HTTP/1.1 2000 OK\r\n", "HTTP/1.1 099 Low\r\n",
                             "HTTP/1.1 abc\r\n", "HTTP/1.1 200\tOK\r\n", "HTTP/1.1 -20 OK\r\n"}) {
        check_invalid_everywhere(wire, "invalid status line");
    }
    check_invalid_everywhere("HTTP/1.1 200\rX", "invalid line ending (CR without LF)");
}

TEST_CASE("a Content-Length that is not a plain decimal number is invalid") {
    for (const char* value :
         {"abc", "-5", "+5", "5x", "5 5", "0x10", "", " ", "5,", ",5", "5;q", "1.0"}) {
        check_invalid_everywhere("HTTP/1.1 200 OK\r\nContent-Length: "s + value + "\r\n\r\n",
                                 "invalid Content-Length");
    }
}

TEST_CASE("a Content-Length beyond int64 is invalid; INT64_MAX itself is accepted") {
    for (const char* value :
         {"9223372036854775808", "99999999999999999999999999", "18446744073709551616"}) {
        check_invalid_everywhere("HTTP/1.1 200 OK\r\nContent-Length: "s + value + "\r\n\r\n",
                                 "invalid Content-Length");
    }
    const std::string max = "HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\nab";
    ResponseParser parser;
    std::size_t consumed = 0;
    CHECK(parser.feed(std::span<const char>(max), consumed) == ParseStatus::partial);
    CHECK(parser.body_bytes() == 2);
    CHECK(parser.finish_on_eof() == ParseStatus::invalid);
    CHECK(std::string_view(parser.error()) == "connection closed mid-body");
}

TEST_CASE("duplicate Content-Length values must agree") {
    check_one("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 002\r\n\r\nok", 200, true,
              2);
    check_one("HTTP/1.1 200 OK\r\nContent-Length: 2 , 2,2\r\n\r\nok", 200, true, 2);
    check_invalid_everywhere("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n",
                             "conflicting Content-Length values");
    check_invalid_everywhere("HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\n",
                             "conflicting Content-Length values");
}

TEST_CASE("bad chunk sizes and chunk framing are invalid") {
    const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (const char* line : {"zz\r\n", "-1\r\n", "\r\n", ";ext\r\n", " 5\r\n", "5 x\r\n", "0x5\r\n",
                             "10000000000000000\r\n", "fffffffffffffffff\r\n"}) {
        check_invalid_everywhere(head + line, "invalid chunk size");
    }
    check_invalid_everywhere(head + "3\r\nabcX\r\n0\r\n\r\n",
                             "invalid chunk: data not followed by CRLF");
    check_invalid_everywhere(head + "3\rX", "invalid line ending (CR without LF)");
    // The largest chunk size that fits int64 is accepted (and then waits for data).
    ResponseParser parser;
    const std::string big = head + "7fffffffffffffff\r\nxyz";
    std::size_t consumed = 0;
    CHECK(parser.feed(std::span<const char>(big), consumed) == ParseStatus::partial);
    CHECK(parser.body_bytes() == 3);
}

TEST_CASE("chunk sizes are hex in either case with leading zeros and whitespace before CRLF") {
    const std::string wire =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "0000a \t\r\n0123456789\r\nB\n01234567890\n0\n\n";
    check_every_split(wire, {complete(wire.size(), 200, true, 21)});
}

TEST_CASE("headers over header_bytes_max are invalid; exactly at the limit is fine") {
    const std::string wire = "HTTP/1.1 200 OK\r\nX-Pad: 0123456789\r\nContent-Length: 1\r\n\r\n!";
    const int64_t head_size = static_cast<int64_t>(wire.size()) - 1;
    check_every_split(wire, {complete(wire.size(), 200, true, 1)},
                      {.limits = {.header_bytes_max = head_size}});
    check_invalid_everywhere(wire, "response headers too large",
                             {.limits = {.header_bytes_max = head_size - 1}});
    check_invalid_everywhere(wire, "response headers too large",
                             {.limits = {.header_bytes_max = 10}});
    // A long header line is refused before its end arrives: the parser never buffers it.
    ResponseParser parser({.header_bytes_max = 100});
    const std::string endless = "HTTP/1.1 200 OK\r\nX-Big: " + std::string(200, 'a');
    std::size_t consumed = 0;
    CHECK(parser.feed(std::span<const char>(endless), consumed) == ParseStatus::invalid);
    CHECK(std::string_view(parser.error()) == "response headers too large");
}

TEST_CASE("interim 1xx responses count toward the header limit") {
    std::string wire;
    for (int i = 0; i < 100; ++i) {
        wire += "HTTP/1.1 100 Continue\r\n\r\n";
    }
    check_invalid_everywhere(wire, "response headers too large",
                             {.limits = {.header_bytes_max = 1000}});
}

TEST_CASE("obs-fold, whitespace before the colon and bad name bytes are invalid") {
    check_invalid_everywhere("HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\n\r\n",
                             "obsolete line folding in response headers");
    check_invalid_everywhere("HTTP/1.1 200 OK\r\n\tX-A: 1\r\n\r\n",
                             "obsolete line folding in response headers");
    for (const char* line :
         {"Content-Length : 5\r\n", ": 5\r\n", "X(A): 1\r\n", "NoColon\r\n", "X\x80: 1\r\n"}) {
        check_invalid_everywhere("HTTP/1.1 200 OK\r\n"s + line + "\r\n", "invalid header name");
    }
    check_invalid_everywhere("HTTP/1.1 200 OK\r\nX: 1\r\n\rX",
                             "invalid line ending (CR without LF)");
}

TEST_CASE("only exact header names are interpreted, in any case") {
    const StreamOptions eof{.eof = true};
    // Near misses of Content-Length leave the body close-delimited.
    for (const char* name : {"Content-Lengt", "Content-Lengths", "XContent-Length",
                             "Content-Length-X", "Content_Length"}) {
        const std::string wire = "HTTP/1.1 200 OK\r\n"s + name + ": 1\r\n\r\nabc";
        check_every_split(wire, {complete(wire.size(), 200, false, 3)}, eof);
    }
    const std::string long_name = "content-length" + std::string(300, 'x');
    const std::string wire = "HTTP/1.1 200 OK\r\n" + long_name + ": 1\r\n\r\nabc";
    CHECK(parse_whole(wire, eof) == std::vector{complete(wire.size(), 200, false, 3)});
    check_one("HTTP/1.1 200 OK\r\nCONTENT-LENGTH: 1\r\nCoNnEcTiOn: ClOsE\r\n\r\nx", 200, false, 1);
}

TEST_CASE("keep_alive follows the version and the Connection tokens") {
    struct Case {
        const char* head;
        bool keep_alive;
    };
    const Case cases[] = {
        {"HTTP/1.1 200 OK\r\n", true},
        {"HTTP/1.1 200 OK\r\nConnection: close\r\n", false},
        {"HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\n", false},
        {"HTTP/1.1 200 OK\r\nConnection: Upgrade,  CLOSE \r\n", false},
        {"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nConnection: close\r\n", false},
        {"HTTP/1.1 200 OK\r\nConnection: close, keep-alive\r\n", false},
        {"HTTP/1.1 200 OK\r\nConnection: close\r\nConnection: foo\r\n", false},
        {"HTTP/1.1 200 OK\r\nConnection: clo se\r\n", true},
        {"HTTP/1.1 200 OK\r\nConnection: closed\r\n", true},
        {"HTTP/1.1 200 OK\r\nConnection: close d\r\n", true},
        {"HTTP/1.1 200 OK\r\nConnection: close;x\r\n", true},
        {"HTTP/1.1 200 OK\r\nConnection:\r\n", true},
        {"HTTP/1.0 200 OK\r\n", false},
        {"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n", true},
        {"HTTP/1.0 200 OK\r\nConnection: foo, keep-alive\r\n", true},
        {"HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\n", false},
    };
    for (const Case& c : cases) {
        const std::string wire = std::string(c.head) + "Content-Length: 0\r\n\r\n";
        check_every_split(wire, {complete(wire.size(), 200, c.keep_alive, 0)});
    }
}

TEST_CASE("Transfer-Encoding delimits by chunks only when chunked is the final coding") {
    const std::string chunks = "3\r\nabc\r\n0\r\n\r\n";
    const std::string te = "HTTP/1.1 200 OK\r\nTransfer-Encoding: ";
    for (const char* value : {"chunked", "CHUNKED", "gzip, chunked", "gzip,chunked ", " chunked"}) {
        const std::string wire = te + value + "\r\n\r\n" + chunks;
        check_every_split(wire, {complete(wire.size(), 200, true, 3)});
    }
    // Any other final coding runs to the close, even with a Content-Length.
    const std::string long_coding = "chunked, " + std::string(256, 'a');
    for (const std::string& value :
         {"chunked, gzip"s, "gzip"s, "chunked;q=1"s, "chunkedx"s, "chun ked"s, long_coding}) {
        const std::string wire = te + value + "\r\nContent-Length: 3\r\n\r\n" + chunks;
        check_every_split(wire, {complete(wire.size(), 200, false, 13)}, {.eof = true});
    }
    // Transfer-Encoding: chunked overrides Content-Length (RFC 9112 6.3).
    const std::string both = te + "chunked\r\nContent-Length: 100\r\n\r\n" + chunks;
    check_every_split(both, {complete(both.size(), 200, true, 3)});
    // The last Transfer-Encoding line holds the final coding.
    const std::string two = te + "gzip\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks;
    check_every_split(two, {complete(two.size(), 200, true, 3)});
}

TEST_CASE("end of file is complete only for a close-delimited body") {
    const StreamOptions eof{.eof = true};
    const auto nothing = parse_whole("", eof);
    REQUIRE(nothing.size() == 1);
    CHECK(nothing[0].status == ParseStatus::invalid);
    CHECK(nothing[0].error == "connection closed before response");
    for (const char* wire : {"H", "HTTP/1.1 200 OK\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n",
                             "HTTP/1.1 100 Continue\r\n\r\n"}) {
        auto outcomes = parse_whole(wire, eof);
        REQUIRE(outcomes.size() == 1);
        CHECK(outcomes[0].error == "connection closed mid-headers");
    }
    for (const char* wire :
         {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nTrailer: 1\r\n"}) {
        auto outcomes = parse_whole(wire, eof);
        REQUIRE(outcomes.size() == 1);
        CHECK(outcomes[0].error == "connection closed mid-body");
    }
    const std::string close_delimited = "HTTP/1.1 500 Oops\r\nConnection: keep-alive\r\n\r\nbody";
    CHECK(parse_whole(close_delimited, eof) ==
          std::vector{complete(close_delimited.size(), 500, false, 4)});
    // Without the close it stays partial.
    CHECK(parse_whole(close_delimited).empty());
}

TEST_CASE("finish_on_eof after complete stays complete and an invalid parse stays invalid") {
    ResponseParser parser;
    std::size_t consumed = 0;
    const std::string ok = "HTTP/1.1 204 No Content\r\n\r\n";
    REQUIRE(parser.feed(std::span<const char>(ok), consumed) == ParseStatus::complete);
    CHECK(parser.finish_on_eof() == ParseStatus::complete);
    parser.reset();
    REQUIRE(parser.feed(std::span<const char>("X", 1), consumed) == ParseStatus::invalid);
    CHECK(parser.feed(std::span<const char>(ok), consumed) == ParseStatus::invalid);
    CHECK(consumed == 0);
    CHECK(parser.finish_on_eof() == ParseStatus::invalid);
    CHECK(std::string_view(parser.error()) == "invalid status line");
}

TEST_CASE("a 100 MB body fed in 64 KiB pieces completes with every byte counted") {
    constexpr int64_t body_size = 100LL * 1024 * 1024;
    const std::string head =
        "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body_size) + "\r\n\r\n";
    std::string piece(64 * 1024, 'x');
    ResponseParser parser;
    std::size_t consumed = 0;
    REQUIRE(parser.feed(std::span<const char>(head), consumed) == ParseStatus::partial);
    int64_t fed = 0;
    ParseStatus status = ParseStatus::partial;
    while (status == ParseStatus::partial) {
        status = parser.feed(std::span<const char>(piece), consumed);
        fed += static_cast<int64_t>(consumed);
    }
    CHECK(status == ParseStatus::complete);
    CHECK(fed == body_size);
    CHECK(parser.body_bytes() == body_size);
    CHECK(parser.keep_alive());
}

TEST_CASE("a chunked body in large chunks is skipped in bulk across pieces") {
    constexpr std::size_t chunk_size = 1 << 20;
    const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    std::string wire = head;
    for (int i = 0; i < 8; ++i) {
        wire += "100000\r\n" + std::string(chunk_size, 'y') + "\r\n";
    }
    wire += "0\r\n\r\n";
    std::vector<std::size_t> cuts;
    for (std::size_t at = 4096; at < wire.size(); at += 65536 + 13) {
        cuts.push_back(at);
    }
    CHECK(parse_stream(wire, cuts) ==
          std::vector{complete(wire.size(), 200, true, 8 * static_cast<int64_t>(chunk_size))});
}

// ---------------------------------------------------------------- keep mode

using barrage::http::ResponseKeep;
using barrage::http::ResponseKeepLimits;

// What keep mode kept of one response, next to the usual outcome.
struct Kept {
    Outcome outcome;
    std::string body;
    bool body_truncated = false;
    std::vector<std::string> headers;  // value per kept name; "<none>" when absent

    bool operator==(const Kept&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Kept& k) {
    os << k.outcome << " body='" << k.body << "' truncated=" << k.body_truncated << " headers=[";
    for (const std::string& h : k.headers) {
        os << " '" << h << "'";
    }
    return os << " ]";
}

std::ostream& operator<<(std::ostream& os, const std::vector<Kept>& all) {
    for (const Kept& k : all) {
        os << k << "\n";
    }
    return os;
}

const std::vector<std::string> kKeptNames = {"x-token", "Set-Cookie", "content-length",
                                             "connection", "etag"};

Kept kept_of(const ResponseParser& parser, ParseStatus status, std::size_t end,
             const ResponseKeep& keep) {
    Kept kept{outcome_of(parser, status, end), std::string(keep.body()), keep.body_truncated(), {}};
    for (const std::string& name : kKeptNames) {
        const auto value = keep.header(name);
        kept.headers.push_back(value ? std::string(*value) : "<none>");
    }
    return kept;
}

// parse_stream with keep mode on: one Kept per complete response.
std::vector<Kept> parse_stream_kept(std::string_view wire, const std::vector<std::size_t>& cuts,
                                    ResponseKeepLimits limits = {}, bool eof = false) {
    auto keep_result = ResponseKeep::create(kKeptNames, limits);
    REQUIRE(keep_result.ok());
    ResponseKeep keep = std::move(keep_result).value();
    ResponseParser parser;
    parser.keep(&keep);
    parser.reset();
    std::vector<Kept> all;
    std::size_t piece_begin = 0;
    for (std::size_t i = 0; i <= cuts.size(); ++i) {
        const std::size_t piece_end = i < cuts.size() ? cuts[i] : wire.size();
        std::size_t at = piece_begin;
        while (at < piece_end) {
            std::size_t consumed = 0;
            const ParseStatus status =
                parser.feed(std::span<const char>(wire.data() + at, piece_end - at), consumed);
            at += consumed;
            if (status == ParseStatus::partial) {
                break;
            }
            all.push_back(kept_of(parser, status, at, keep));
            if (status == ParseStatus::invalid) {
                return all;
            }
            parser.reset();
        }
        piece_begin = piece_end;
    }
    if (eof && !parser.idle()) {
        all.push_back(kept_of(parser, parser.finish_on_eof(), wire.size(), keep));
    }
    return all;
}

// Keep mode at every single and pair of split points gives `expected`, and
// the same outcomes as the parser without keep mode.
void check_kept_every_split(std::string_view wire, const std::vector<Kept>& expected,
                            ResponseKeepLimits limits = {}, bool eof = false) {
    CAPTURE(wire);
    REQUIRE(parse_stream_kept(wire, {}, limits, eof) == expected);
    std::vector<Outcome> outcomes;
    for (const Kept& k : expected) {
        outcomes.push_back(k.outcome);
    }
    CHECK(parse_whole(wire, {.eof = eof}) == outcomes);
    for (std::size_t a = 0; a <= wire.size(); ++a) {
        CAPTURE(a);
        REQUIRE(parse_stream_kept(wire, {a}, limits, eof) == expected);
        for (std::size_t b = a; b <= wire.size(); b += 3) {
            CAPTURE(b);
            REQUIRE(parse_stream_kept(wire, {a, b}, limits, eof) == expected);
        }
    }
}

std::vector<std::string> none_but(std::vector<std::pair<std::size_t, std::string>> values) {
    std::vector<std::string> headers(kKeptNames.size(), "<none>");
    for (auto& [index, value] : values) {
        headers[index] = value;
    }
    return headers;
}

TEST_CASE("keep mode keeps the body and the first value of each selected header") {
    const std::string wire =
        "HTTP/1.1 200 OK\r\nX-Token:  abc def \t\r\nx-token: second\r\nSET-COOKIE: a=1\r\n"
        "X-Tokens: no\r\nContent-Length: 5\r\nConnection: keep-alive, Upgrade\r\n\r\nhello";
    check_kept_every_split(
        wire, {{complete(wire.size(), 200, true, 5), "hello", false,
                none_but({{0, "abc def"}, {1, "a=1"}, {2, "5"}, {3, "keep-alive, Upgrade"}})}});
}

TEST_CASE("keep mode decodes a chunked body and ignores trailers") {
    const std::string wire =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nETag: \"v1\"\r\n\r\n"
        "5;name=value\r\nhello\r\nA ; ext\r\n0123456789\r\n0\r\nX-Token: trailer\r\n\r\n";
    check_kept_every_split(wire, {{complete(wire.size(), 200, true, 15), "hello0123456789", false,
                                   none_but({{4, "\"v1\""}})}});
}

TEST_CASE("keep mode truncates the body at its limit and still counts every byte") {
    const std::string wire =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n";
    check_kept_every_split(wire,
                           {{complete(wire.size(), 200, true, 7), "abcde", true, none_but({})}},
                           {.body_bytes_max = 5});
    check_kept_every_split(wire,
                           {{complete(wire.size(), 200, true, 7), "abcdefg", false, none_but({})}},
                           {.body_bytes_max = 7});
}

TEST_CASE("keep mode truncates header values at their limit, trailing spaces aside") {
    const std::string wire =
        "HTTP/1.1 200 OK\r\nX-Token: abcdef\r\nETag: abcd   \r\nContent-Length: 0\r\n\r\n";
    auto keep = ResponseKeep::create(kKeptNames, {.header_value_bytes_max = 4}).value();
    ResponseParser parser;
    parser.keep(&keep);
    parser.reset();
    std::size_t consumed = 0;
    REQUIRE(parser.feed(std::span<const char>(wire), consumed) == ParseStatus::complete);
    CHECK(keep.header("x-token") == "abcd");
    CHECK(keep.header_truncated("X-Token"));
    CHECK(keep.header("etag") == "abcd");
    CHECK_FALSE(keep.header_truncated("etag"));
    CHECK_FALSE(keep.header("not-kept").has_value());
}

TEST_CASE("keep mode forgets interim responses and each pipelined response starts empty") {
    const std::string first =
        "HTTP/1.1 100 Continue\r\nX-Token: interim\r\n\r\n"
        "HTTP/1.1 201 Created\nContent-Length: 2\nEtag: e1\n\nok";
    const std::string second = "HTTP/1.1 204 No Content\r\nX-Token: t2\r\n\r\n";
    const std::string third = "HTTP/1.1 200 OK\r\nx-token:t3\r\n\r\nuntil close";
    const std::string wire = first + second + third;
    check_kept_every_split(
        wire,
        {{complete(first.size(), 201, true, 2), "ok", false, none_but({{2, "2"}, {4, "e1"}})},
         {complete(first.size() + second.size(), 204, true, 0), "", false, none_but({{0, "t2"}})},
         {complete(wire.size(), 200, false, 11), "until close", false, none_but({{0, "t3"}})}},
        {}, true);
}

TEST_CASE("keep mode never allocates while parsing and leaves the parser small") {
    CHECK(sizeof(ResponseParser) <= 128);
    const std::string wire =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Token: abc\r\n\r\n"
        "3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n";
    auto keep = ResponseKeep::create(kKeptNames).value();
    ResponseParser parser;
    parser.keep(&keep);
    parser.reset();
    const int64_t before = barrage::test::allocation_count();
    for (std::size_t i = 0; i < wire.size(); ++i) {
        std::size_t consumed = 0;
        parser.feed(std::span<const char>(wire.data() + i, 1), consumed);
    }
    CHECK(barrage::test::allocation_count() == before);
    CHECK(keep.body() == "abc");
    CHECK(keep.header("X-TOKEN") == "abc");
}

TEST_CASE("ResponseKeep refuses names that are not tokens and too many names") {
    CHECK_FALSE(ResponseKeep::create({"x token"}).ok());
    CHECK_FALSE(ResponseKeep::create({""}).ok());
    std::vector<std::string> many;
    for (int i = 0; i < 65; ++i) {
        many.push_back("h" + std::to_string(i));
    }
    CHECK_FALSE(ResponseKeep::create(many).ok());
    many.pop_back();
    CHECK(ResponseKeep::create(many).ok());
    CHECK_FALSE(ResponseKeep::create({}, {.body_bytes_max = -1}).ok());
}

TEST_CASE("with 64 kept names the last one still matches") {
    std::vector<std::string> many;
    for (int i = 0; i < 64; ++i) {
        many.push_back("h" + std::to_string(i));
    }
    auto keep = ResponseKeep::create(many).value();
    ResponseParser parser;
    parser.keep(&keep);
    parser.reset();
    const std::string wire =
        "HTTP/1.1 200 OK\r\nH63: last\r\nh1: first\r\nContent-Length: 0\r\n\r\n";
    std::size_t consumed = 0;
    REQUIRE(parser.feed(std::span<const char>(wire), consumed) == ParseStatus::complete);
    CHECK(keep.header("h63") == "last");
    CHECK(keep.header("h1") == "first");
    CHECK_FALSE(keep.header("h6").has_value());
}

// ---------------------------------------------------------------- fast header lines
// Whole header lines in one buffer take a fast path (an 8-byte name scan,
// interpreted names known by length); names cut by a buffer end, and keep
// mode, take the byte-level path. Byte at a time and keep mode therefore
// check the fast path against the byte-level one.

const char* tchar_run_end_reference(const char* p, const char* end) {
    while (p < end && barrage::http::detail::is_tchar(*p)) {
        ++p;
    }
    return p;
}

// Letters of both cases and '-' (what the 8-byte test takes) with a digit now and then.
std::string name_of_length(std::size_t n) {
    static constexpr std::string_view kPattern = "aZ-mQz-Kb7e";
    std::string name;
    for (std::size_t i = 0; i < n; ++i) {
        name.push_back(kPattern[i % kPattern.size()]);
    }
    return name;
}

TEST_CASE("the 8-byte name scan stops exactly at the first non-tchar byte, any byte anywhere") {
    using barrage::http::detail::tchar_run_end;
    for (std::size_t size = 0; size <= 25; ++size) {
        for (std::size_t at = 0; at <= size; ++at) {
            for (int byte = 0; byte < 256; ++byte) {
                std::string text = name_of_length(size) + "\xff";  // a byte past the end
                if (at < size) {
                    text[at] = static_cast<char>(byte);
                }
                const char* end = text.data() + size;
                const char* got = tchar_run_end(text.data(), end);
                if (got != tchar_run_end_reference(text.data(), end)) {
                    FAIL_CHECK("size " << size << " byte " << byte << " at " << at);
                }
            }
        }
    }
    // Every pair of bytes ahead of letters: a byte >= 0x80 may not hide its neighbour.
    for (int first = 0; first < 256; ++first) {
        for (int second = 0; second < 256; ++second) {
            std::string text = "xxabcdefgh-ABCDEF";
            text[0] = static_cast<char>(first);
            text[1] = static_cast<char>(second);
            const char* end = text.data() + text.size();
            if (tchar_run_end(text.data(), end) != tchar_run_end_reference(text.data(), end)) {
                FAIL_CHECK("bytes " << first << ", " << second);
            }
        }
    }
}

TEST_CASE("header names of every length around 8-byte blocks parse alike at every split") {
    for (std::size_t n : {1, 2, 7, 8, 9, 10, 14, 15, 16, 17, 18, 24, 25, 33}) {
        CAPTURE(n);
        const std::string name = name_of_length(n);
        const std::string wire =
            "HTTP/1.1 200 OK\r\n" + name + ": v\r\n" + name + ":\r\nContent-Length: 2\r\n\r\nab";
        check_one(wire, 200, true, 2);
        for (std::size_t at = 0; at < n; ++at) {
            CAPTURE(at);
            for (char bad : {'(', ' ', '\0', '"', '\x7f', '\x80', '\xff', '\r', '\n'}) {
                std::string broken = name;
                broken[at] = bad;
                const bool line_start = at == 0 && (bad == ' ' || bad == '\r' || bad == '\n');
                if (!line_start) {
                    check_invalid_everywhere("HTTP/1.1 200 OK\r\n" + broken + ": v\r\n\r\n",
                                             "invalid header name");
                }
            }
        }
    }
}

TEST_CASE("the interpreted names are known in any case and near misses of their length are not") {
    for (const char* name : {"content-length", "CONTENT-LENGTH", "cOnTeNt-LeNgTh"}) {
        check_one("HTTP/1.1 200 OK\r\n"s + name + ":3\r\n\r\nabc", 200, true, 3);
    }
    for (const char* name : {"transfer-encoding", "TRANSFER-ENCODING", "tRaNsFeR-eNcOdInG"}) {
        check_one("HTTP/1.1 200 OK\r\n"s + name + ": chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 200,
                  true, 3);
    }
    for (const char* name : {"connection", "CONNECTION", "CoNnEcTiOn"}) {
        check_one("HTTP/1.1 200 OK\r\n"s + name + ": close\r\nContent-Length: 0\r\n\r\n", 200,
                  false, 0);
    }
    // Same lengths, one byte off (first, middle, last): not interpreted, so
    // the value that would change the framing or keep-alive changes nothing.
    const StreamOptions eof{.eof = true};
    for (const char* name :
         {"xontent-length", "content_length", "content-lengtx", "content-lengt7"}) {
        const std::string wire = "HTTP/1.1 200 OK\r\n"s + name + ": 1\r\n\r\nabc";
        check_every_split(wire, {complete(wire.size(), 200, false, 3)}, eof);
    }
    for (const char* name : {"ransfer-encoding1", "transfer.encoding", "transfer-encodin~"}) {
        check_one("HTTP/1.1 200 OK\r\n"s + name + ": chunked\r\nContent-Length: 3\r\n\r\nabc", 200,
                  true, 3);
    }
    // Tokens too: of the same length, one byte off, they keep HTTP/1.0 from keep-alive.
    for (const char* value :
         {"KEEP-ALIVE", "kEeP-aLiVe", "keep-alivf", "xeep-alive", "keep_alive"}) {
        const bool match = value[4] == '-' && value[0] != 'x' && value[9] != 'f';
        check_one("HTTP/1.0 200 OK\r\nConnection: "s + value + "\r\nContent-Length: 0\r\n\r\n", 200,
                  match, 0);
    }
    for (const char* value : {"CHUNKEd", "chunkes", "hunked"}) {
        const std::string wire =
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: "s + value + "\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
        const bool chunked = value[0] == 'C';
        check_every_split(wire, {complete(wire.size(), 200, chunked, chunked ? 3 : 13)},
                          {.eof = !chunked});
    }
    for (const char* name : {"donnection", "connect1on", "connectio_", "connectio"}) {
        check_one("HTTP/1.1 200 OK\r\n"s + name + ": close\r\nContent-Length: 3\r\n\r\nabc", 200,
                  true, 3);
    }
}

// A random response: interpreted names in random case, near misses, names
// with every kind of tchar, bad bytes, bare LF, obs-fold, conflicting lengths.
std::string random_header_line(std::mt19937& rng) {
    static constexpr std::string_view kNames[] = {"content-length", "transfer-encoding",
                                                  "connection", "server", "x-a"};
    static constexpr std::string_view kTcharBytes =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~";
    static constexpr std::string_view kBadBytes = std::string_view(" \t(\"@\x7f\x80\xff\0\r", 10);
    static constexpr std::string_view kValues[] = {
        "3",     "0",          "12, 12",     "1, 2", "x", "chunked", "gzip, chunked",       "gzip",
        "close", "keep-alive", "foo, close", " ",    "",  "a\rb",    "99999999999999999999"};
    const auto pick = [&](std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
    };
    std::string name;
    if (pick(2) == 0) {
        name = kNames[pick(std::size(kNames))];
        for (char& c : name) {
            c = pick(2) == 0 ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
        }
    } else {
        const std::size_t n = 1 + pick(20);
        for (std::size_t i = 0; i < n; ++i) {
            name.push_back(kTcharBytes[pick(kTcharBytes.size())]);
        }
    }
    if (pick(12) == 0) {
        name[pick(name.size())] = kBadBytes[pick(kBadBytes.size())];
    }
    const std::string ending = pick(6) == 0 ? "\n" : "\r\n";
    const std::string fold = pick(40) == 0 ? " folded\r\n" : "";
    return name + ":" + (pick(2) == 0 ? " " : "") + std::string(kValues[pick(std::size(kValues))]) +
           ending + fold;
}

std::string random_response(std::mt19937& rng) {
    static constexpr std::string_view kStatusLines[] = {
        "HTTP/1.1 200 OK\r\n",
        "HTTP/1.0 200 OK\r\n",
        "HTTP/1.1 204 No Content\r\n",
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n",
        "HTTP/1.1 404 \r\n",
        "HTTP/1.1 200\r\n",
        "HTTP/1.1 200\n",
        "HTTP/1.1 200\rX",
        "HTTP/1.1 200 O\rK\n",
        "HTTP/1.1 2000\r\n",
        "HTTP/1.1 200 OK\n"};
    std::string wire(kStatusLines[rng() % std::size(kStatusLines)]);
    for (std::size_t lines = rng() % 10; lines > 0; --lines) {
        wire += random_header_line(rng);
    }
    return wire + "\r\n" + (rng() % 2 == 0 ? "abc" : "3\r\nabc\r\n0\r\n\r\n");
}

TEST_CASE("generated responses give the same outcomes whole, byte by byte, split and kept") {
    std::mt19937 rng(15);
    for (int i = 0; i < 4000; ++i) {
        const std::string wire = random_response(rng) + random_response(rng);
        CAPTURE(wire);
        const std::vector<Outcome> whole = parse_whole(wire, {.eof = true});
        REQUIRE(parse_bytewise(wire, {.eof = true}) == whole);
        std::vector<std::size_t> cuts;
        for (std::size_t at = rng() % 9; at < wire.size(); at += 1 + rng() % 9) {
            cuts.push_back(at);
        }
        REQUIRE(parse_stream(wire, cuts, {.eof = true}) == whole);
        std::vector<Outcome> kept;
        for (const Kept& k : parse_stream_kept(wire, {}, {}, true)) {
            kept.push_back(k.outcome);
        }
        REQUIRE(kept == whole);
    }
}

}  // namespace

TEST_CASE("basic authorization is base64 of user:password with padding") {
    using barrage::http::basic_authorization;
    CHECK(basic_authorization("Aladdin", "open sesame") == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    CHECK(basic_authorization("", "") == "Basic Og==");               // ":"
    CHECK(basic_authorization("a", "") == "Basic YTo=");              // "a:"
    CHECK(basic_authorization("ab", "") == "Basic YWI6");             // "ab:", no padding
    CHECK(basic_authorization("u", "\xff\xfe") == "Basic dTr//g==");  // bytes as given
}
