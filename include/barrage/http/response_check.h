#pragma once
// Response checks (like Locust's response.failure): plain specs filled by the
// profile loader, compiled once into ResponseChecks, evaluated per response.
// A failed check is counted, never fatal.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "barrage/base/result.h"
#include "barrage/http/response_parser.h"

namespace barrage::http {

// A JSON value a check compares with: a string, a number or a boolean.
struct CheckValue {
    std::string text;              // a string, unless number or boolean is set
    std::optional<double> number;  // a number
    std::optional<bool> boolean;   // a boolean
};

struct CheckSpec {
    enum class Kind {
        status_in,       // status in `statuses` or in [status_min, status_max]
        body_contains,   // body contains `text`
        json_exists,     // `pointer` resolves in the JSON body
        json_equals,     // value at `pointer` equals `text` (string) / `number` / `boolean`
        json_range,      // number at `pointer` within [number_min, number_max]
        json_one_of,     // value at `pointer` equals one of `values` (value and type)
        json_matches,    // string at `pointer` has a match of the regex `text`
        json_length,     // array (elements), object (members) or string (bytes) at `pointer`
                         // has a length within [number_min, number_max]
        body_matches,    // the body's first regex_bytes_max bytes have a match of `text`
        body_length,     // the whole body's length (bytes, decoded) in [number_min, number_max]
        header_exists,   // the response has the header `header`
        header_matches,  // the header `header`'s value has a match of the regex `text`
    };
    Kind kind = Kind::status_in;
    std::vector<int> statuses;
    int status_min = 0;
    int status_max = 0;
    std::string text;
    std::string pointer;           // RFC 6901 JSON pointer, e.g. "/prediction/score"
    std::optional<double> number;  // json_equals with a number
    std::optional<bool> boolean;   // json_equals with a boolean
    double number_min = 0;
    double number_max = 0;
    std::vector<CheckValue> values;  // json_one_of
    std::string header;              // header_exists, header_matches: a header name, any case
};

// Regex checks search only this much of a body or a value (ECMAScript syntax,
// std::regex in its non-backtracking mode: its time grows with the text, about
// 1 us a byte, so the window bounds each check's cost).
inline constexpr std::size_t regex_bytes_max = 4096;

// What a check sees of one response.
struct CheckedResponse {
    int status = 0;
    std::string_view body;               // as kept: at most the keep limit
    int64_t body_bytes = 0;              // the whole body's length, kept or not
    const ResponseKeep* kept = nullptr;  // its kept headers; header checks fail without
};

// Where a session variable is captured from.
struct CaptureSpec {
    std::string variable;      // name used as {{variable}} later
    std::string json_pointer;  // from the JSON body, or
    std::string header;        // from a response header (case-insensitive); exactly one is set
};

// A response body read as JSON at most once, however many checks and
// captures look into it. Owns simdjson's parser and a padded copy of the
// body, both sized at creation, so reading never allocates. One per worker;
// not shared between threads.
class JsonBody {
public:
    // body_bytes_max: the longest body it will read (ResponseKeepLimits::body_bytes_max).
    explicit JsonBody(std::size_t body_bytes_max);
    ~JsonBody();
    JsonBody(JsonBody&&) noexcept;
    JsonBody& operator=(JsonBody&&) noexcept;

    // Points at a new body; it is parsed on first use. `body` must stay alive
    // and unchanged until the next reset. A body over body_bytes_max is not JSON.
    void reset(std::string_view body);

    struct Impl;  // opaque: simdjson parser and document, in response_check.cc
    Impl& impl() { return *impl_; }

private:
    std::unique_ptr<Impl> impl_;
};

// Which checks failed: bit i is check i. At most kChecksMax checks per request.
struct CheckFailures {
    uint64_t mask = 0;

    bool any() const { return mask != 0; }
    bool failed(std::size_t index) const { return index < 64 && ((mask >> index) & 1) != 0; }
};

// The checks of one request, compiled once and shared read-only by workers.
class ResponseChecks {
public:
    static constexpr std::size_t kChecksMax = 64;

    // Errors say which check (by position, 1-based, and kind) and why, e.g.
    // "check 2 (json_range): number_min 5 is above number_max 1".
    static base::Result<ResponseChecks> compile(std::span<const CheckSpec> specs);
    // Why compile() would refuse this one check, without its position:
    // "body_matches: '(' is not a regular expression (...)"; for a loader that
    // reports each check where it is written.
    static base::Status validate(const CheckSpec& spec);

    std::size_t size() const { return names_.size(); }
    // Human name for reports: "status in 200-299", "/prediction/score in [0, 100]".
    const std::string& name(std::size_t index) const { return names_[index]; }
    // True when a check reads the body (keep mode must keep it).
    bool needs_body() const { return needs_body_; }
    // True when a check is on the status: then the check, not "status >= 400", says whether a
    // response failed (an expected 404 is a success).
    bool checks_status() const { return checks_status_; }

    // The header names the checks read (lowercase, each once), for ResponseKeep::create.
    std::vector<std::string> headers() const;

    // Runs every check on one response. When a JSON check is among them,
    // `json` must have been reset() to the body (a failed assertion otherwise).
    // A body that is not JSON fails every JSON check. Never allocates (regex
    // checks may: std::regex keeps its own state).
    CheckFailures evaluate(const CheckedResponse& response, JsonBody& json) const;
    // The same, for a response whose body was kept whole and no header.
    CheckFailures evaluate(int status, std::string_view body, JsonBody& json) const;

    struct Regex;  // opaque: a compiled std::regex, in response_check.cc

private:
    std::vector<CheckSpec> specs_;
    std::vector<std::shared_ptr<const Regex>> regexes_;  // per check; null: not a regex check
    std::vector<std::string> names_;
    bool needs_body_ = false;
    bool checks_status_ = false;
};

// The name ResponseChecks::name() gives a spec (for callers that report
// before compiling).
std::string check_name(const CheckSpec& spec);

}  // namespace barrage::http
