#include "barrage/watch/prometheus_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

namespace barrage::watch {
namespace {

bool is_name_char(char c, bool first) {
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    return letter || (!first && c >= '0' && c <= '9');
}

// The label block `{...}` at the start of `text`, quotes and escapes respected, with the spaces
// outside quoted values removed; nullopt when it does not close. `used` gets its length.
std::optional<std::string> take_labels(std::string_view text, std::size_t& used) {
    std::string labels;
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted && c == '\\' && i + 1 < text.size()) {
            labels += c;
            labels += text[++i];
            continue;
        }
        if (c == '"') {
            quoted = !quoted;
        }
        if (!quoted && (c == ' ' || c == '\t')) {
            continue;
        }
        labels += c;
        if (!quoted && c == '}') {
            used = i + 1;
            return labels;
        }
    }
    return std::nullopt;
}

std::optional<double> parse_value(std::string_view text) {
    if (text == "NaN") {
        return std::numeric_limits<double>::quiet_NaN();
    }
    if (text == "+Inf" || text == "Inf") {
        return std::numeric_limits<double>::infinity();
    }
    if (text == "-Inf") {
        return -std::numeric_limits<double>::infinity();
    }
    if (!text.empty() && text.front() == '+') {
        text.remove_prefix(1);
    }
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

// One sample line; nullopt when it is malformed.
std::optional<SeriesValue> parse_line(std::string_view line, std::string& name) {
    std::size_t at = 0;
    while (at < line.size() && is_name_char(line[at], at == 0)) {
        ++at;
    }
    if (at == 0) {
        return std::nullopt;
    }
    name.assign(line.substr(0, at));
    SeriesValue sample{name, 0};
    line.remove_prefix(at);
    if (!line.empty() && line.front() == '{') {
        std::size_t used = 0;
        auto labels = take_labels(line, used);
        if (!labels) {
            return std::nullopt;
        }
        if (*labels != "{}") {
            sample.key += *labels;
        }
        line.remove_prefix(used);
    }
    const auto start = line.find_first_not_of(" \t");
    if (start == 0 || start == std::string_view::npos) {
        return std::nullopt;  // the value must be separated from the name by blanks
    }
    line.remove_prefix(start);
    const auto value = parse_value(line.substr(0, line.find_first_of(" \t")));
    if (!value) {
        return std::nullopt;
    }
    sample.value = *value;
    return sample;
}

}  // namespace

bool is_metric_name(std::string_view name) {
    if (name.empty()) {
        return false;
    }
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (!is_name_char(name[i], i == 0)) {
            return false;
        }
    }
    return true;
}

std::vector<SeriesValue> parse_prometheus_text(std::string_view text,
                                               std::span<const std::string> names) {
    std::vector<SeriesValue> samples;
    std::string name;
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t end = std::min(text.find('\n', at), text.size());
        std::string_view line = text.substr(at, end - at);
        at = end + 1;
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        const auto first = line.find_first_not_of(" \t");
        if (first == std::string_view::npos || line[first] == '#') {
            continue;
        }
        auto sample = parse_line(line.substr(first), name);
        if (sample && std::find(names.begin(), names.end(), name) != names.end()) {
            samples.push_back(std::move(*sample));
        }
    }
    return samples;
}

}  // namespace barrage::watch
