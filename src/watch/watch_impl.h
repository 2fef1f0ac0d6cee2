#pragma once
// File helpers shared by the samplers. Private to src/watch.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// Halves a series in place, keeping the first element and every second after it
// (the watcher's bound on samples: resolution halves, the time span stays).
template <typename T>
void keep_every_other(std::vector<T>& items) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < items.size(); i += 2) {
        items[kept++] = items[i];
    }
    items.resize(kept);
}

}  // namespace barrage::watch::detail
