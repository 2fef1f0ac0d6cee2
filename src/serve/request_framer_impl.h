#pragma once
// Server-side request framing for `barrage serve`: finds where one HTTP/1.x
// request ends in a byte buffer (pipelining) and says how to answer it. It
// reads no clock, makes no system calls and never allocates, so it is tested
// at every split point. Private to serve.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "job_impl.h"

namespace barrage::serve::detail {

// Request line + headers + blank line; a longer head is answered 431.
inline constexpr std::size_t request_header_bytes_max = 16 * 1024;

enum class FrameStatus : uint8_t {
    complete,   // a whole request head was read; see FramedRequest
    partial,    // need more bytes (nothing wrong so far)
    invalid,    // malformed: answer 400 and close
    too_large,  // the head exceeds request_header_bytes_max: answer 431 and close
};

// Paths with their own fixed answer (JSON, for the example profiles).
enum class Route : uint8_t {
    plain,  // the plan's body
    login,  // /login: {"token": "..."}
    json,   // /json: a document with a numeric field to check
    // The job endpoint (job_impl.h):
    job_submit,         // POST /jobs: 201, {"id": ..., "status": "pending"}
    job_poll,           // GET or HEAD /jobs/ID: 200, the job's status
    job_bad_wait,       // POST /jobs?ready=<not a duration up to 60s>: 400
    job_unknown,        // /jobs/<not an id of ours>: 404
    job_submit_method,  // /jobs with another method than POST: 405
    job_poll_method,    // /jobs/ID with another method than GET or HEAD: 405
};

struct FramedRequest {
    FrameStatus status = FrameStatus::partial;
    std::size_t header_bytes = 0;  // complete: bytes of the head (the body follows)
    uint64_t body_bytes = 0;       // complete: Content-Length, to be read and discarded
    int response_status = 200;     // 200, NNN for /status/NNN, 400 or 431 on errors
    bool close = false;            // answer with "Connection: close", then close
    bool head = false;             // HEAD: the response carries no body
    bool http10 = false;           // HTTP/1.0 keeping alive: say "Connection: keep-alive"
    Route route = Route::plain;
    int64_t job_wait_ms = 0;  // job_submit: how long the job takes
    JobId job;                // job_poll: the job asked about
};

// Frames the request at the start of `input`. Bytes after header_bytes +
// body_bytes belong to the next (pipelined) request. Paths: /status/NNN
// (NNN in 200..599) answers NNN, /status/<other> answers 400 (keep-alive),
// /close answers with Connection: close; /login and /json answer 200 with a
// fixed JSON body (any method); POST /jobs and GET /jobs/ID route to the job
// endpoint, their errors answering 400, 404 or 405 (see Route); everything
// else answers 200.
// Request bodies must use Content-Length: Transfer-Encoding is invalid here.
FramedRequest frame_request(std::string_view input);

}  // namespace barrage::serve::detail
