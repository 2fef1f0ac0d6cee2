#pragma once
// The key-and-value helpers every JSON writer of the report spells its fields
// with (the run's JSON, the result archive, the per-name/phase/shard sections),
// so a section reads as its list of fields. Private to src/report.

#include <fmt/format.h>

#include <cstddef>
#include <string_view>

#include "barrage/report/json_writer.h"
#include "barrage/stats/counters.h"

namespace barrage::report::detail {

// "key": value, for any value JsonWriter::value takes.
template <typename T>
void field(JsonWriter& json, std::string_view key, const T& value) {
    json.key(key);
    json.value(value);
}

// "key": [items...].
template <typename Items>
void array_field(JsonWriter& json, std::string_view key, const Items& items) {
    json.key(key);
    json.begin_array();
    for (const auto& item : items) {
        json.value(item);
    }
    json.end_array();
}

// "key": {"200": n, ...}: only the status codes seen, so a run that saw two
// codes writes two fields, not six hundred zeros.
inline void status_code_field(JsonWriter& json, std::string_view key,
                              const stats::Counters& counters) {
    json.key(key);
    json.begin_object();
    for (std::size_t code = 0; code < counters.status_code.size(); ++code) {
        if (counters.status_code[code] != 0) {
            field(json, fmt::format("{}", code), counters.status_code[code]);
        }
    }
    json.end_object();
}

}  // namespace barrage::report::detail
