#pragma once
// Response checks (like Locust's response.failure): plain specs filled by the
// profile loader, compiled once into ResponseChecks, evaluated per response.
// A failed check is counted, never fatal.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "barrage/base/result.h"

namespace barrage::http {

struct CheckSpec {
    enum class Kind {
        status_in,      // status in `statuses` or in [status_min, status_max]
        body_contains,  // body contains `text`
        json_exists,    // `pointer` resolves in the JSON body
        json_equals,    // value at `pointer` equals `text` (string) / `number` / `boolean`
        json_range,     // number at `pointer` within [number_min, number_max]
    };
    Kind kind = Kind::status_in;
    std::vector<int> statuses;
    int status_min = 0;
    int status_max = 0;
    std::string text;
    std::string pointer;             // RFC 6901 JSON pointer, e.g. "/prediction/score"
    std::optional<double> number;    // json_equals with a number
    std::optional<bool> boolean;     // json_equals with a boolean
    double number_min = 0;
    double number_max = 0;
};

// Where a session variable is captured from.
struct CaptureSpec {
    std::string variable;     // name used as {{variable}} later
    std::string json_pointer; // from the JSON body, or
    std::string header;       // from a response header (case-insensitive); exactly one is set
};

}  // namespace barrage::http
