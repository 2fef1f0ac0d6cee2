#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

// The framer is private to serve; its test reaches into src/ on purpose.
#include "../../src/serve/request_framer_impl.h"

using barrage::serve::detail::frame_request;
using barrage::serve::detail::FramedRequest;
using barrage::serve::detail::FrameStatus;
using barrage::serve::detail::request_header_bytes_max;
using barrage::serve::detail::Route;

namespace {

FrameStatus status_of(std::string_view input) { return frame_request(input).status; }

// A request head of exactly `bytes` bytes, padded with one header.
std::string head_of_size(std::size_t bytes) {
    const std::string start = "GET / HTTP/1.1\r\nX-Pad: ";
    const std::string end = "\r\n\r\n";
    REQUIRE(bytes >= start.size() + end.size());
    return start + std::string(bytes - start.size() - end.size(), 'a') + end;
}

void check_same(const FramedRequest& a, const FramedRequest& b) {
    CHECK(a.status == b.status);
    CHECK(a.header_bytes == b.header_bytes);
    CHECK(a.body_bytes == b.body_bytes);
    CHECK(a.response_status == b.response_status);
    CHECK(a.close == b.close);
    CHECK(a.head == b.head);
    CHECK(a.http10 == b.http10);
}

}  // namespace

TEST_CASE("a minimal GET frames as complete, keep-alive, answered 200") {
    const std::string request = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    const FramedRequest framed = frame_request(request);
    CHECK(framed.status == FrameStatus::complete);
    CHECK(framed.header_bytes == request.size());
    CHECK(framed.body_bytes == 0);
    CHECK(framed.response_status == 200);
    CHECK_FALSE(framed.close);
    CHECK_FALSE(framed.head);
    CHECK_FALSE(framed.http10);
}

TEST_CASE("every proper prefix of a valid request is partial, and the whole is complete") {
    const std::vector<std::string> requests = {
        "GET / HTTP/1.1\r\n\r\n",
        "GET /status/503?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAccept: */*\r\n\r\n",
        "POST /upload HTTP/1.1\r\nContent-Length: 12\r\nConnection: keep-alive\r\n\r\n",
        "HEAD /close HTTP/1.0\r\nX-Empty:\r\nX-Tab:\tv\t\r\n\r\n",
        "\r\n\r\nGET / HTTP/1.1\r\n\r\n",
    };
    for (const std::string& request : requests) {
        CAPTURE(request);
        const FramedRequest whole = frame_request(request);
        REQUIRE(whole.status == FrameStatus::complete);
        CHECK(whole.header_bytes == request.size());
        for (std::size_t split = 0; split < request.size(); ++split) {
            CAPTURE(split);
            CHECK(status_of(std::string_view(request).substr(0, split)) == FrameStatus::partial);
        }
        // Bytes that follow (a body or the next request) do not change the answer.
        check_same(frame_request(request + "GET / HTTP/1.1\r\n\r\n"), whole);
        check_same(frame_request(request + "\x16garbage"), whole);
    }
}

TEST_CASE("pipelined requests frame one after another at their boundaries") {
    const std::string first = "GET /a HTTP/1.1\r\n\r\n";
    const std::string second = "POST /b HTTP/1.1\r\nContent-Length: 4\r\n\r\n";
    const std::string third = "GET /close HTTP/1.1\r\n\r\n";
    const std::string stream = first + second + "body" + third;
    std::size_t pos = 0;
    std::vector<FramedRequest> seen;
    while (pos < stream.size()) {
        const FramedRequest framed = frame_request(std::string_view(stream).substr(pos));
        REQUIRE(framed.status == FrameStatus::complete);
        seen.push_back(framed);
        pos += framed.header_bytes + framed.body_bytes;
    }
    REQUIRE(seen.size() == 3);
    CHECK(seen[0].header_bytes == first.size());
    CHECK(seen[1].header_bytes == second.size());
    CHECK(seen[1].body_bytes == 4);
    CHECK_FALSE(seen[1].close);
    CHECK(seen[2].close);
    CHECK(pos == stream.size());
}

TEST_CASE("Content-Length gives the body to discard; repeated equal lengths are accepted") {
    CHECK(frame_request("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n").body_bytes == 0);
    CHECK(frame_request("POST / HTTP/1.1\r\ncontent-length:  007 \r\n\r\n").body_bytes == 7);
    CHECK(
        frame_request("POST / HTTP/1.1\r\nContent-Length: 999999999999999999\r\n\r\n").body_bytes ==
        999'999'999'999'999'999ull);
    const FramedRequest twice =
        frame_request("POST / HTTP/1.1\r\nContent-Length: 5\r\nCONTENT-LENGTH: 5\r\n\r\n");
    CHECK(twice.status == FrameStatus::complete);
    CHECK(twice.body_bytes == 5);
}

TEST_CASE("ambiguous or unsupported body framing is rejected") {
    for (const char* request : {
             "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
             "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
             "POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n",
             "POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n",
             "POST / HTTP/1.1\r\nContent-Length:\r\n\r\n",
             "POST / HTTP/1.1\r\nContent-Length: 1000000000000000000\r\n\r\n",
             "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
         }) {
        CAPTURE(request);
        const FramedRequest framed = frame_request(request);
        CHECK(framed.status == FrameStatus::invalid);
        CHECK(framed.response_status == 400);
        CHECK(framed.close);
    }
}

TEST_CASE("malformed request lines and header lines are rejected with 400 and close") {
    for (const char* request : {
             "GET / HTTP/1.1\n\n",                       // bare LF
             "GET / HTTP/1.1\r\nHost: a\n\r\n",          // bare LF in a header
             "GET /\r\n\r\n",                            // no version
             "GET / HTTP/2.0\r\n\r\n",                   // not HTTP/1.x
             "GET / http/1.1\r\n\r\n",                   // version is case-sensitive
             "GET  / HTTP/1.1\r\n\r\n",                  // empty target
             "GET / HTTP/1.1 \r\n\r\n",                  // trailing space
             " GET / HTTP/1.1\r\n\r\n",                  // empty method
             "G(T / HTTP/1.1\r\n\r\n",                   // method is not a token
             "GET /a\x01 HTTP/1.1\r\n\r\n",              // control byte in target
             "GET / HTTP/1.1\r\nHost : a\r\n\r\n",       // space before colon
             "GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n",  // obs-fold
             "GET / HTTP/1.1\r\nNoColon\r\n\r\n", "GET / HTTP/1.1\r\n: empty-name\r\n\r\n",
             "GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n",  // DEL in a value
             "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n",   // lone CR in a value
         }) {
        CAPTURE(request);
        const FramedRequest framed = frame_request(request);
        CHECK(framed.status == FrameStatus::invalid);
        CHECK(framed.response_status == 400);
        CHECK(framed.close);
        CHECK(framed.header_bytes == 0);
    }
}

TEST_CASE("garbage is rejected before a line ends, so a TLS hello gets a quick 400") {
    CHECK(status_of("\x16\x03\x01\x02\x00\x01") == FrameStatus::invalid);
    CHECK(status_of("{\"json\"") == FrameStatus::invalid);
    CHECK(status_of("GE") == FrameStatus::partial);
    CHECK(status_of("GET /no-end-yet") == FrameStatus::partial);
    CHECK(status_of("\r") == FrameStatus::partial);
    CHECK(status_of("\r\n\r") == FrameStatus::partial);
    CHECK(status_of("") == FrameStatus::partial);
}

TEST_CASE("no prefix of a malformed request is ever complete") {
    const std::string request = "GET / HTTP/1.1\r\nHost : a\r\n\r\nGET / HTTP/1.1\r\n\r\n";
    for (std::size_t split = 0; split <= request.size(); ++split) {
        CAPTURE(split);
        const FrameStatus status = status_of(std::string_view(request).substr(0, split));
        CHECK((status == FrameStatus::partial || status == FrameStatus::invalid));
    }
    CHECK(status_of(request) == FrameStatus::invalid);
}

TEST_CASE("a head of exactly the limit frames; one byte more is too large (431)") {
    const std::string at_limit = head_of_size(request_header_bytes_max);
    const FramedRequest framed = frame_request(at_limit + "GET / HTTP/1.1\r\n\r\n");
    CHECK(framed.status == FrameStatus::complete);
    CHECK(framed.header_bytes == request_header_bytes_max);

    const FramedRequest over = frame_request(head_of_size(request_header_bytes_max + 1));
    CHECK(over.status == FrameStatus::too_large);
    CHECK(over.response_status == 431);
    CHECK(over.close);
}

TEST_CASE("an unterminated head is partial below the limit and too large at it") {
    const std::string head = head_of_size(request_header_bytes_max + 100);
    CHECK(status_of(std::string_view(head).substr(0, request_header_bytes_max - 1)) ==
          FrameStatus::partial);
    CHECK(status_of(std::string_view(head).substr(0, request_header_bytes_max)) ==
          FrameStatus::too_large);
    // A CRLF split by the limit still counts as over it.
    const std::string split_crlf = head_of_size(request_header_bytes_max + 1);
    CHECK(status_of(std::string_view(split_crlf).substr(0, request_header_bytes_max)) ==
          FrameStatus::too_large);
    CHECK(status_of(std::string(request_header_bytes_max, '\n')) == FrameStatus::invalid);
    std::string blank_lines;
    while (blank_lines.size() < request_header_bytes_max) {
        blank_lines += "\r\n";
    }
    CHECK(status_of(blank_lines) == FrameStatus::too_large);
}

TEST_CASE("Connection tokens decide keep-alive, case-insensitively and in lists") {
    CHECK(frame_request("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").close);
    CHECK(frame_request("GET / HTTP/1.1\r\nconnection: Upgrade, CLOSE\r\n\r\n").close);
    CHECK_FALSE(frame_request("GET / HTTP/1.1\r\nConnection: keep-alive\r\n\r\n").close);
    CHECK_FALSE(frame_request("GET / HTTP/1.1\r\nConnection: closed\r\n\r\n").close);
    CHECK_FALSE(frame_request("GET / HTTP/1.1\r\nX-Connection: close\r\n\r\n").close);
}

TEST_CASE("HTTP/1.0 closes unless it asks for keep-alive") {
    const FramedRequest plain = frame_request("GET / HTTP/1.0\r\n\r\n");
    CHECK(plain.http10);
    CHECK(plain.close);
    const FramedRequest kept = frame_request("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
    CHECK(kept.http10);
    CHECK_FALSE(kept.close);
}

TEST_CASE("/status/NNN answers NNN for 200..599 and 400 for anything else under /status/") {
    const auto status_for = [](std::string_view target) {
        return frame_request("GET " + std::string(target) + " HTTP/1.1\r\n\r\n").response_status;
    };
    CHECK(status_for("/status/500") == 500);
    CHECK(status_for("/status/200") == 200);
    CHECK(status_for("/status/599") == 599);
    CHECK(status_for("/status/204?q=1") == 204);
    CHECK(status_for("/status/199") == 400);
    CHECK(status_for("/status/600") == 400);
    CHECK(status_for("/status/5000") == 400);
    CHECK(status_for("/status/50") == 400);
    CHECK(status_for("/status/abc") == 400);
    CHECK(status_for("/status/") == 400);
    CHECK(status_for("/statusx/500") == 200);
    CHECK(status_for("/x/status/500") == 200);
    CHECK(status_for("http://a/status/500") == 200);
    CHECK_FALSE(frame_request("GET /status/abc HTTP/1.1\r\n\r\n").close);
}

TEST_CASE("/close asks for Connection: close; other paths do not") {
    CHECK(frame_request("GET /close HTTP/1.1\r\n\r\n").close);
    CHECK(frame_request("GET /close?x HTTP/1.1\r\n\r\n").close);
    CHECK_FALSE(frame_request("GET /closed HTTP/1.1\r\n\r\n").close);
    CHECK_FALSE(frame_request("GET /close/ HTTP/1.1\r\n\r\n").close);
}

TEST_CASE("HEAD is recognised exactly, so its response carries no body") {
    CHECK(frame_request("HEAD / HTTP/1.1\r\n\r\n").head);
    CHECK_FALSE(frame_request("head / HTTP/1.1\r\n\r\n").head);
    CHECK_FALSE(frame_request("HEADX / HTTP/1.1\r\n\r\n").head);
}

TEST_CASE("empty lines before a request line are skipped and counted in the head") {
    const FramedRequest framed = frame_request("\r\n\r\nGET / HTTP/1.1\r\n\r\n");
    CHECK(framed.status == FrameStatus::complete);
    CHECK(framed.header_bytes == 22);
}

TEST_CASE("/login and /json route to their fixed JSON answers; other paths do not") {
    CHECK(frame_request("POST /login HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}").route ==
          Route::login);
    CHECK(frame_request("GET /json?x=1 HTTP/1.1\r\n\r\n").route == Route::json);
    CHECK(frame_request("GET /json HTTP/1.1\r\n\r\n").response_status == 200);
    CHECK(frame_request("GET /jsonx HTTP/1.1\r\n\r\n").route == Route::plain);
    CHECK(frame_request("GET /login/ HTTP/1.1\r\n\r\n").route == Route::plain);
    CHECK(frame_request("GET / HTTP/1.1\r\n\r\n").route == Route::plain);
}

// ---- --leak-per-request ----

#include "../../src/serve/leak_impl.h"

TEST_CASE("the leak keeps every request's bytes until its ceiling, and nothing when off") {
    barrage::serve::detail::Leak leak(64 * 1024, 200 * 1024);
    leak.on_request();
    CHECK(leak.bytes_held() == 64 * 1024);
    leak.on_request();
    leak.on_request();
    CHECK(leak.bytes_held() == 192 * 1024);
    leak.on_request();  // a fourth would pass the ceiling
    CHECK(leak.bytes_held() == 192 * 1024);
    barrage::serve::detail::Leak off(0, 1024 * 1024);
    off.on_request();
    CHECK(off.bytes_held() == 0);
}
