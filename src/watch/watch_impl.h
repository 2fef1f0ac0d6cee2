#pragma once
// File helpers shared by the samplers. Private to src/watch.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace barrage::watch::detail {

// The whole of a small file (/proc, /sys), or the errno of the failure.
struct FileText {
    std::string text;
    int error = 0;  // 0 = read
};
FileText read_small_file(const std::string& path);

// Entries of a directory other than "." and "..", or the errno of opendir.
struct EntryCount {
    int64_t count = 0;
    int error = 0;
};
EntryCount count_directory_entries(const std::string& path);

// A whole decimal integer (surrounding whitespace allowed); nullopt otherwise.
std::optional<int64_t> parse_integer(std::string_view text);

// The value after "key" at the start of a line ("Threads:\t4", "usage_usec 123"): the rest of
// that line, trimmed. nullopt when no line starts with `key`.
std::optional<std::string_view> line_value(std::string_view text, std::string_view key);

}  // namespace barrage::watch::detail
