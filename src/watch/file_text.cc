// Reading /proc and /sys files: small, read in one go, never partially.

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "watch_impl.h"

namespace barrage::watch::detail {

namespace {
// /proc/PID/status is about 1.5 KB; a cgroup's cpu.stat less. The limit only stops a runaway.
constexpr std::size_t file_bytes_max = 1024 * 1024;

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) {
        return {};
    }
    return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}
}  // namespace

FileText read_small_file(const std::string& path) {
    FileText file;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        file.error = errno;
        return file;
    }
    std::array<char, 4096> chunk{};
    while (file.text.size() < file_bytes_max) {
        const ssize_t got = ::read(fd, chunk.data(), chunk.size());
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            file.error = errno;
            break;
        }
        if (got == 0) {
            break;
        }
        file.text.append(chunk.data(), static_cast<std::size_t>(got));
    }
    ::close(fd);
    return file;
}

EntryCount count_directory_entries(const std::string& path) {
    EntryCount result;
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) {
        result.error = errno;
        return result;
    }
    while (const dirent* entry = ::readdir(dir)) {
        const std::string_view name = entry->d_name;
        if (name != "." && name != "..") {
            ++result.count;
        }
    }
    ::closedir(dir);
    return result;
}

std::optional<int64_t> parse_integer(std::string_view text) {
    text = trim(text);
    int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

std::optional<std::string_view> line_value(std::string_view text, std::string_view key) {
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t end = std::min(text.find('\n', at), text.size());
        const std::string_view line = text.substr(at, end - at);
        if (line.starts_with(key)) {
            return trim(line.substr(key.size()));
        }
        at = end + 1;
    }
    return std::nullopt;
}

}  // namespace barrage::watch::detail
