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

// ---- the job endpoint ----

#include <array>

#include "../../src/serve/job_impl.h"

using barrage::serve::detail::format_job_id;
using barrage::serve::detail::job_body_bytes_max;
using barrage::serve::detail::job_document;
using barrage::serve::detail::job_state;
using barrage::serve::detail::job_wait_ms_default;
using barrage::serve::detail::job_wait_ms_max;
using barrage::serve::detail::JobId;
using barrage::serve::detail::JobState;
using barrage::serve::detail::parse_job_id;
using barrage::serve::detail::parse_job_wait_ms;

namespace {

FramedRequest framed_job(std::string_view method, std::string_view target) {
    return frame_request(std::string(method) + " " + std::string(target) + " HTTP/1.1\r\n\r\n");
}

}  // namespace

TEST_CASE("POST /jobs submits a job (201) waiting the default, or ?ready=D") {
    const FramedRequest plain = framed_job("POST", "/jobs");
    CHECK(plain.status == FrameStatus::complete);
    CHECK(plain.route == Route::job_submit);
    CHECK(plain.response_status == 201);
    CHECK(plain.job_wait_ms == job_wait_ms_default);
    CHECK_FALSE(plain.close);
    CHECK(framed_job("POST", "/jobs?ready=250ms").job_wait_ms == 250);
    CHECK(framed_job("POST", "/jobs?ready=2s").job_wait_ms == 2000);
    CHECK(framed_job("POST", "/jobs?ready=1m").job_wait_ms == 60'000);
    CHECK(framed_job("POST", "/jobs?ready=0ms").job_wait_ms == 0);
    CHECK(framed_job("POST", "/jobs?size=3&ready=7ms&x").job_wait_ms == 7);
    CHECK(framed_job("POST", "/jobs?size=3").job_wait_ms == job_wait_ms_default);
    // A body (the job's parameters) is read and dropped like any other.
    const FramedRequest with_body =
        frame_request("POST /jobs?ready=5ms HTTP/1.1\r\nContent-Length: 11\r\n\r\n{\"size\": 3}");
    CHECK(with_body.route == Route::job_submit);
    CHECK(with_body.body_bytes == 11);
}

TEST_CASE("a ready that is not a whole ms/s/m duration up to 60s is a 400, not a job") {
    for (const std::string_view target :
         {"/jobs?ready=", "/jobs?ready=100", "/jobs?ready=61s", "/jobs?ready=2m",
          "/jobs?ready=1.5s", "/jobs?ready=-1s", "/jobs?ready=5h", "/jobs?ready=ms",
          "/jobs?ready=9999999s", "/jobs?ready=10us", "/jobs?ready=x&ready=1s"}) {
        CAPTURE(target);
        const FramedRequest framed = framed_job("POST", target);
        CHECK(framed.route == Route::job_bad_wait);
        CHECK(framed.response_status == 400);
        CHECK_FALSE(framed.close);  // a bad query is the client's mistake, not a broken stream
    }
    int64_t wait_ms = 0;
    CHECK(parse_job_wait_ms("ready=60000ms", wait_ms));
    CHECK(wait_ms == job_wait_ms_max);
    CHECK_FALSE(parse_job_wait_ms("ready=60001ms", wait_ms));
}

TEST_CASE("GET and HEAD /jobs/ID poll the job the id names; a malformed id is a 404") {
    const FramedRequest poll = framed_job("GET", "/jobs/1500-3-42");
    CHECK(poll.route == Route::job_poll);
    CHECK(poll.response_status == 200);
    CHECK(poll.job.ready_ms == 1500);
    CHECK(poll.job.thread == 3);
    CHECK(poll.job.sequence == 42);
    CHECK(framed_job("HEAD", "/jobs/0-0-0").route == Route::job_poll);
    CHECK(framed_job("GET", "/jobs/0-0-0?x=1").route == Route::job_poll);
    for (const std::string_view target :
         {"/jobs/", "/jobs/x", "/jobs/1-2", "/jobs/1-2-3-4", "/jobs/01-2-3", "/jobs/1--3",
          "/jobs/-1-2-3", "/jobs/1-2-3/", "/jobs/1-2-3/close", "/jobs/1234567890123456789-0-0",
          "/jobs/1-4294967296-0", "/jobs/%31-2-3"}) {
        CAPTURE(target);
        const FramedRequest framed = framed_job("GET", target);
        CHECK(framed.route == Route::job_unknown);
        CHECK(framed.response_status == 404);
    }
}

TEST_CASE("/jobs takes only POST and /jobs/ID only GET or HEAD (405); other paths are plain") {
    for (const std::string_view method : {"GET", "HEAD", "PUT", "DELETE"}) {
        CAPTURE(method);
        CHECK(framed_job(method, "/jobs").route == Route::job_submit_method);
        CHECK(framed_job(method, "/jobs").response_status == 405);
    }
    for (const std::string_view method : {"POST", "PUT", "DELETE", "PATCH"}) {
        CAPTURE(method);
        CHECK(framed_job(method, "/jobs/1-0-0").route == Route::job_poll_method);
        CHECK(framed_job(method, "/jobs/x").response_status == 405);
    }
    CHECK(framed_job("POST", "/jobsx").route == Route::plain);
    CHECK(framed_job("GET", "/x/jobs/1-0-0").route == Route::plain);
    CHECK(framed_job("GET", "/job/1-0-0").route == Route::plain);
    CHECK(framed_job("GET", "/").route == Route::plain);
    CHECK(framed_job("POST", "/").response_status == 200);
}

TEST_CASE("every proper prefix of a job request is partial") {
    for (const std::string request : {"POST /jobs?ready=2s HTTP/1.1\r\nContent-Length: 2\r\n\r\n",
                                      "GET /jobs/1500-3-42 HTTP/1.1\r\nHost: a\r\n\r\n"}) {
        CAPTURE(request);
        REQUIRE(frame_request(request).status == FrameStatus::complete);
        for (std::size_t split = 0; split < request.size(); ++split) {
            CAPTURE(split);
            CHECK(status_of(std::string_view(request).substr(0, split)) == FrameStatus::partial);
        }
    }
}

TEST_CASE("an id reads back as it was written, so format and parse are inverses") {
    std::array<char, job_body_bytes_max> text{};
    for (const JobId id :
         {JobId{0, 0, 0}, JobId{26905249, 3, 17},
          JobId{999'999'999'999'999'999, 4'294'967'295U, 999'999'999'999'999'999}}) {
        JobId read;
        const std::string_view written = format_job_id(id, text);
        CAPTURE(written);
        REQUIRE(parse_job_id(written, read));
        CHECK(read.ready_ms == id.ready_ms);
        CHECK(read.thread == id.thread);
        CHECK(read.sequence == id.sequence);
    }
}

TEST_CASE("a job is pending before its ready time and completed from it on") {
    const JobId id{10'000, 1, 5};
    CHECK(job_state(id, 0) == JobState::pending);
    CHECK(job_state(id, 9'999) == JobState::pending);
    CHECK(job_state(id, 10'000) == JobState::completed);
    CHECK(job_state(id, 1'000'000'000) == JobState::completed);  // never forgotten
    // Further ahead than the longest wait: no job this server could have made.
    CHECK(job_state(JobId{10'000 + job_wait_ms_max, 0, 0}, 10'000) == JobState::pending);
    CHECK(job_state(JobId{10'001 + job_wait_ms_max, 0, 0}, 10'000) == JobState::unknown);
}

TEST_CASE("a job's answer is JSON with its id and status, within its bound") {
    std::array<char, job_body_bytes_max> out{};
    CHECK(job_document(JobId{1500, 3, 42}, JobState::pending, out) ==
          "{\"id\": \"1500-3-42\", \"status\": \"pending\"}\n");
    CHECK(job_document(JobId{1500, 3, 42}, JobState::completed, out) ==
          "{\"id\": \"1500-3-42\", \"status\": \"completed\"}\n");
    const JobId longest{999'999'999'999'999'999, 4'294'967'295U, 999'999'999'999'999'999};
    CHECK(job_document(longest, JobState::completed, out).size() < job_body_bytes_max);
}
