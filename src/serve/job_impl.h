#pragma once
// The job endpoint of `barrage serve`, for polling journeys ("submit, then
// poll until completed"): POST /jobs?ready=D submits a job that completes D
// after it was submitted; GET /jobs/ID answers "pending" until then, then
// "completed". Stateless: the id holds the job's ready time (monotonic clock,
// ms) beside the submitting thread and its sequence number, so any thread
// answers any id and nothing is stored. Pure arithmetic and formatting: time
// is an argument. Private to serve.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace barrage::serve::detail {

inline constexpr int64_t job_wait_ms_default = 50;
inline constexpr int64_t job_wait_ms_max = 60'000;
// The longest answer of a submit or a poll; an id is at most 3 x 18 digits.
inline constexpr std::size_t job_body_bytes_max = 128;

struct JobId {
    int64_t ready_ms = 0;   // monotonic clock: the job completes at this time
    uint32_t thread = 0;    // the server thread that made it
    uint64_t sequence = 0;  // that thread's count of jobs before it
};

enum class JobState : uint8_t {
    pending,
    completed,
    unknown,  // ready further ahead than any job of ours could be: not one of ours
};

// Reads the wait of "ready=D" in a query string ("a=1&ready=2s", without the
// '?'); no `ready` key gives job_wait_ms_default. D is a whole number of ms,
// s or m (250ms, 2s, 1m) up to job_wait_ms_max. Returns false when D is not
// such a duration.
bool parse_job_wait_ms(std::string_view query, int64_t& wait_ms);

// Reads an id written by format_job_id: "READY-THREAD-SEQUENCE" in canonical
// decimal (no sign, no leading zeros), so format(parse(text)) == text.
// Returns false on anything else.
bool parse_job_id(std::string_view text, JobId& id);

// Writes the id's text into `out` (at least job_body_bytes_max bytes) and
// returns it.
std::string_view format_job_id(const JobId& id, std::span<char> out);

// Where the job stands at `now_ms` (monotonic clock).
JobState job_state(const JobId& id, int64_t now_ms);

// The JSON answer of a submit or a poll, {"id": "ID", "status": "pending"}
// (or "completed"), written into `out` (at least job_body_bytes_max bytes).
std::string_view job_document(const JobId& id, JobState state, std::span<char> out);

}  // namespace barrage::serve::detail
