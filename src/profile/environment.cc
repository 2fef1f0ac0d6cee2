// ${NAME} in profiles and --env-file (barrage/profile/environment.h).

#include "barrage/profile/environment.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "barrage/base/excerpt.h"
#include "profile_impl.h"
#include "toml_reader_impl.h"

namespace barrage::profile {
namespace {

using base::make_error;
using base::Result;

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_'; }
bool is_name_char(char c) {
    return is_name_start(c) || std::isdigit(static_cast<unsigned char>(c));
}

bool is_name(std::string_view text) {
    if (text.empty() || !is_name_start(text[0])) {
        return false;
    }
    for (const char c : text) {
        if (!is_name_char(c)) {
            return false;
        }
    }
    return true;
}

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) {
        return {};
    }
    return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

constexpr std::string_view env_file_form =
    "expected KEY=VALUE, KEY='VALUE' or KEY=\"VALUE\" (a # starts a comment)";

// A double-quoted value's escapes; `closed` tells whether the closing quote was found.
std::string unquote_double(std::string_view text, bool& closed) {
    std::string value;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '"') {
            closed = trim(text.substr(i + 1)).empty() || trim(text.substr(i + 1)).starts_with('#');
            return value;
        }
        if (text[i] == '\\' && i + 1 < text.size()) {
            const char next = text[++i];
            value += next == 'n' ? '\n' : next == 't' ? '\t' : next;
            continue;
        }
        value += text[i];
    }
    closed = false;
    return value;
}

// The value part of one line (after '='); nullopt when a quote is not closed.
std::optional<std::string> env_value(std::string_view raw) {
    const std::string_view text = trim(raw);
    if (text.starts_with('\'')) {
        const auto end = text.find('\'', 1);
        const std::string_view after =
            end == std::string_view::npos ? "" : trim(text.substr(end + 1));
        if (end == std::string_view::npos || !(after.empty() || after.starts_with('#'))) {
            return std::nullopt;
        }
        return std::string(text.substr(1, end - 1));
    }
    if (text.starts_with('"')) {
        bool closed = false;
        std::string value = unquote_double(text.substr(1), closed);
        return closed ? std::optional<std::string>(std::move(value)) : std::nullopt;
    }
    // Unquoted: a comment starts at " #", so a '#' inside a value (a URL fragment) stays.
    const auto comment = text.find(" #");
    return std::string(trim(text.substr(0, comment)));
}

// `${...}` starting at text[dollar]: appends its expansion to `out` and
// returns the offset after it, or sets `error`.
std::size_t expand_one(std::string_view text, std::size_t dollar, const EnvironmentLookup& lookup,
                       std::string& out, std::optional<ExpandError>& error) {
    const std::size_t close = text.find('}', dollar + 2);
    if (close == std::string_view::npos) {
        error = ExpandError{
            "'${' has no closing '}'; write ${NAME}, ${NAME:-default}, or $$ "
            "for a literal '$'",
            dollar};
        return text.size();
    }
    const std::string_view inside = text.substr(dollar + 2, close - dollar - 2);
    const std::size_t marker = inside.find(":-");
    const std::string_view name = inside.substr(0, marker);
    if (!is_name(name)) {
        error = ExpandError{
            fmt::format("'${{{}}}' is not a variable; a name is letters, digits and '_' "
                        "(not first): ${{NAME}} or ${{NAME:-default}}; $$ is a literal '$'",
                        base::excerpt(inside)),
            dollar};
        return text.size();
    }
    const std::optional<std::string> value = lookup(name);
    if (marker != std::string_view::npos) {
        // As the shell's ${NAME:-default}: the default also stands in for an empty value.
        out += value && !value->empty() ? *value : std::string(inside.substr(marker + 2));
    } else if (value) {
        out += *value;
    } else {
        error = ExpandError{
            fmt::format("environment variable '{}' is not set; set it ({}=... barrage run ...), "
                        "give it in an --env-file, or write ${{{}:-DEFAULT}}",
                        name, name, name),
            dollar};
        return text.size();
    }
    return close + 1;
}

}  // namespace

Result<std::vector<EnvironmentValue>> parse_env_file(std::string_view text,
                                                     const std::string& path) {
    std::vector<EnvironmentValue> values;
    int line_number = 0;
    while (!text.empty()) {
        ++line_number;
        const auto newline = text.find('\n');
        std::string_view line = trim(text.substr(0, newline));
        text = newline == std::string_view::npos ? "" : text.substr(newline + 1);
        if (line.empty() || line.starts_with('#')) {
            continue;
        }
        if (line.starts_with("export ")) {
            line = trim(line.substr(7));
        }
        const auto equals = line.find('=');
        const std::string_view name = trim(line.substr(0, equals));
        if (equals == std::string_view::npos || !is_name(name)) {
            return make_error(fmt::format("--env-file {}:{}: '{}' is not a variable; {}", path,
                                          line_number, base::excerpt(line), env_file_form));
        }
        auto value = env_value(line.substr(equals + 1));
        if (!value) {
            return make_error(
                fmt::format("--env-file {}:{}: the value of {} has no closing quote; {}", path,
                            line_number, name, env_file_form));
        }
        values.push_back({std::string(name), std::move(*value)});
    }
    return values;
}

Result<std::vector<EnvironmentValue>> read_env_file(const std::string& path) {
    auto text = detail::read_small_file(path);
    if (!text) {
        return make_error(fmt::format("--env-file: {}", text.error().message));
    }
    return parse_env_file(text.value(), path);
}

std::optional<std::string> environment_value(const std::vector<EnvironmentValue>& values,
                                             std::string_view name) {
    for (auto it = values.rbegin(); it != values.rend(); ++it) {
        if (it->name == name) {
            return it->value;
        }
    }
    const char* value = std::getenv(std::string(name).c_str());
    return value == nullptr ? std::nullopt : std::optional<std::string>(value);
}

Expanded expand_variables(std::string_view text, const EnvironmentLookup& lookup) {
    Expanded expanded;
    std::size_t next = 0;
    while (next < text.size()) {
        const std::size_t dollar = text.find('$', next);
        expanded.text += text.substr(next, dollar - next);
        if (dollar == std::string_view::npos) {
            break;
        }
        if (text.substr(dollar).starts_with("$$")) {
            expanded.text += '$';
            next = dollar + 2;
        } else if (text.substr(dollar).starts_with("${")) {
            next = expand_one(text, dollar, lookup, expanded.text, expanded.error);
            if (expanded.error) {
                return expanded;
            }
        } else {
            expanded.text += '$';  // `$.token`, `$1`: not ours
            next = dollar + 1;
        }
    }
    return expanded;
}

}  // namespace barrage::profile

namespace barrage::profile::detail {
namespace {

// The offset in `text` of 1-based `line` and `column` (toml++'s source positions).
std::size_t offset_of(std::string_view text, std::size_t line, std::size_t column) {
    std::size_t offset = 0;
    for (std::size_t at = 1; at < line && offset < text.size(); ++at) {
        const std::size_t newline = text.find('\n', offset);
        offset = newline == std::string_view::npos ? text.size() : newline + 1;
    }
    return std::min(text.size(), offset + (column > 0 ? column - 1 : 0));
}

// "FILE:LINE:COL" of the `${...}` that failed: found in the file's text from
// the string's own position on (an escape or a multi-line string moves it
// from where the value's offset alone would put it), else the string's place.
std::string where_variable(const Diagnostics& diagnostics, std::string_view source,
                           const toml::node& node, std::string_view value,
                           const ExpandError& error) {
    const toml::source_position begin = node.source().begin;
    if (begin.line == 0) {
        return diagnostics.where(&node);
    }
    const std::size_t close = value.find('}', error.offset);
    const std::string_view token =
        value.substr(error.offset, close == std::string_view::npos ? 2 : close - error.offset + 1);
    const std::size_t found = source.find(token, offset_of(source, begin.line, begin.column));
    if (found == std::string_view::npos) {
        return diagnostics.where(&node);
    }
    const std::string_view before = source.substr(0, found);
    const std::size_t line_start = before.rfind('\n');
    return fmt::format("{}:{}:{}", diagnostics.file(),
                       std::count(before.begin(), before.end(), '\n') + 1,
                       found - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1);
}

void substitute_node(toml::node& node, std::string_view source, const EnvironmentLookup& lookup,
                     Diagnostics& diagnostics) {
    if (!diagnostics.ok()) {
        return;
    }
    if (auto* table = node.as_table()) {
        for (auto&& [key, child] : *table) {
            substitute_node(child, source, lookup, diagnostics);
        }
    } else if (auto* array = node.as_array()) {
        for (toml::node& child : *array) {
            substitute_node(child, source, lookup, diagnostics);
        }
    } else if (auto* string = node.as_string(); string != nullptr && has_variables(string->get())) {
        Expanded expanded = expand_variables(string->get(), lookup);
        if (expanded.error) {
            diagnostics.fail(
                where_variable(diagnostics, source, node, string->get(), *expanded.error),
                expanded.error->message);
            return;
        }
        string->get() = std::move(expanded.text);
    }
}

}  // namespace

void substitute_environment(toml::table& document, std::string_view source,
                            const std::vector<EnvironmentValue>& values, Diagnostics& diagnostics) {
    const EnvironmentLookup lookup = [&values](std::string_view name) {
        return environment_value(values, name);
    };
    for (auto&& [key, child] : document) {
        substitute_node(child, source, lookup, diagnostics);
    }
}

}  // namespace barrage::profile::detail
