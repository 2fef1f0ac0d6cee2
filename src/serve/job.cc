#include <fmt/format.h>

#include <array>
#include <limits>

#include "barrage/base/assert.h"
#include "job_impl.h"

namespace barrage::serve::detail {
namespace {

// At most 18 digits, so the value cannot overflow; no leading zeros unless it
// is "0", so an id has exactly one spelling.
bool parse_canonical_decimal(std::string_view text, uint64_t& value) {
    if (text.empty() || text.size() > 18 || (text.size() > 1 && text[0] == '0')) {
        return false;
    }
    value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') {
            return false;
        }
        value = value * 10 + static_cast<uint64_t>(c - '0');
    }
    return true;
}

// Splits `text` at the first `separator`: `head` before it, `text` after it
// (empty when there is none).
std::string_view take_until(std::string_view& text, char separator) {
    const std::size_t at = text.find(separator);
    const std::string_view head = text.substr(0, at);
    text = at == std::string_view::npos ? std::string_view{} : text.substr(at + 1);
    return head;
}

bool parse_wait_value(std::string_view value, int64_t& wait_ms) {
    const std::size_t digits = value.find_first_not_of("0123456789");
    if (digits == 0 || digits == std::string_view::npos || digits > 6) {
        return false;  // a unit is required: "100" could mean ms or s
    }
    const std::string_view unit = value.substr(digits);
    int64_t unit_ms = 0;
    if (unit == "ms") {
        unit_ms = 1;
    } else if (unit == "s") {
        unit_ms = 1'000;
    } else if (unit == "m") {
        unit_ms = 60'000;
    } else {
        return false;
    }
    uint64_t count = 0;
    // Leading zeros are fine here ("05s"): only ids need one spelling.
    for (char c : value.substr(0, digits)) {
        count = count * 10 + static_cast<uint64_t>(c - '0');
    }
    wait_ms = static_cast<int64_t>(count) * unit_ms;
    return wait_ms <= job_wait_ms_max;
}

}  // namespace

bool parse_job_wait_ms(std::string_view query, int64_t& wait_ms) {
    wait_ms = job_wait_ms_default;
    while (!query.empty()) {
        std::string_view value = take_until(query, '&');
        const std::string_view key = take_until(value, '=');
        if (key == "ready") {
            return parse_wait_value(value, wait_ms);  // the first `ready` counts
        }
    }
    return true;
}

bool parse_job_id(std::string_view text, JobId& id) {
    uint64_t ready_ms = 0;
    uint64_t thread = 0;
    uint64_t sequence = 0;
    const bool parsed = parse_canonical_decimal(take_until(text, '-'), ready_ms) &&
                        parse_canonical_decimal(take_until(text, '-'), thread) &&
                        parse_canonical_decimal(text, sequence);
    if (!parsed || thread > std::numeric_limits<uint32_t>::max()) {
        return false;
    }
    id = JobId{static_cast<int64_t>(ready_ms), static_cast<uint32_t>(thread), sequence};
    return true;
}

std::string_view format_job_id(const JobId& id, std::span<char> out) {
    BARRAGE_ASSERT(id.ready_ms >= 0 && out.size() >= job_body_bytes_max);
    const auto written =
        fmt::format_to_n(out.data(), out.size(), "{}-{}-{}", id.ready_ms, id.thread, id.sequence);
    BARRAGE_ASSERT(written.size <= out.size());
    return {out.data(), written.size};
}

JobState job_state(const JobId& id, int64_t now_ms) {
    if (id.ready_ms > now_ms + job_wait_ms_max) {
        return JobState::unknown;
    }
    return now_ms >= id.ready_ms ? JobState::completed : JobState::pending;
}

std::string_view job_document(const JobId& id, JobState state, std::span<char> out) {
    BARRAGE_ASSERT(state != JobState::unknown && out.size() >= job_body_bytes_max);
    std::array<char, job_body_bytes_max> id_text{};
    // The id is digits and dashes: nothing in it needs escaping.
    const auto written = fmt::format_to_n(
        out.data(), out.size(), "{{\"id\": \"{}\", \"status\": \"{}\"}}\n",
        format_job_id(id, id_text), state == JobState::completed ? "completed" : "pending");
    BARRAGE_ASSERT(written.size <= out.size());
    return {out.data(), written.size};
}

}  // namespace barrage::serve::detail
