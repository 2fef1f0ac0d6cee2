#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "ascii_document_impl.h"
#include "barrage/base/excerpt.h"
#include "barrage/base/nearest.h"
#include "barrage/plan/plan.h"
#include "barrage/plan/units.h"
#include "toml_reader_impl.h"

namespace barrage::profile::detail {
namespace {

std::string line_and_column(std::string_view text, size_t offset) {
    const std::string_view before = text.substr(0, offset);
    const size_t line_start = before.rfind('\n');
    return fmt::format("{}:{}", std::count(before.begin(), before.end(), '\n') + 1,
                       offset - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1);
}

}  // namespace

base::Result<toml::table> parse_toml(std::string_view text, const std::string& path) {
    // TOML never allows NUL, and toml++ 3.3 asserts on one in a table header
    // (found by tests/fuzz/profile_fuzz): refuse it before parsing.
    if (const size_t nul = text.find('\0'); nul != std::string_view::npos) {
        return base::make_error(fmt::format("{}:{}: syntax error: a NUL byte; expected UTF-8 text",
                                            path, line_and_column(text, nul)));
    }
    const AsciiDocument ascii = ascii_document(text);
    if (ascii.refused_at != std::string_view::npos) {
        return base::make_error(fmt::format("{}:{}: syntax error: {}", path,
                                            line_and_column(text, ascii.refused_at), ascii.reason));
    }
    auto parsed = toml::parse(ascii.text, path);
    if (!parsed) {
        const toml::parse_error& error = parsed.error();
        return base::make_error(fmt::format(
            "{}:{}:{}: syntax error: {}; expected valid TOML "
            "(https://toml.io)",
            path, error.source().begin.line, error.source().begin.column, error.description()));
    }
    return std::move(parsed).table();
}

std::string Diagnostics::where(const toml::source_region& region) const {
    if (region.begin.line == 0) {
        return file_;
    }
    return fmt::format("{}:{}:{}", file_, region.begin.line, region.begin.column);
}

std::string Diagnostics::where(const toml::node* node) const {
    if (node == nullptr) {
        return file_;
    }
    // A value from --set has no place in the file; name the flag instead.
    if (const auto found = set_origins_.find(node); found != set_origins_.end()) {
        return fmt::format("--set {}", found->second);
    }
    return where(node->source());
}

void Diagnostics::fail(const std::string& where, std::string_view what) {
    if (!error_) {
        error_ = base::make_error(fmt::format("{}: {}", where, what));
    }
}

std::string_view type_name(const toml::node& node) {
    switch (node.type()) {
        case toml::node_type::table:
            return "a table";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a number";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::date:
        case toml::node_type::time:
        case toml::node_type::date_time:
            return "a date/time";
        case toml::node_type::none:
            break;
    }
    return "nothing";
}

TableReader::TableReader(Diagnostics& diagnostics, const toml::table& table, std::string what)
    : diagnostics_(diagnostics), table_(table), what_(std::move(what)) {}

const toml::node* TableReader::node(std::string_view key) {
    if (std::find(asked_.begin(), asked_.end(), key) == asked_.end()) {
        asked_.emplace_back(key);
    }
    return table_.get(key);
}

bool TableReader::has(std::string_view key) { return node(key) != nullptr; }

template <typename T>
const T* TableReader::typed(std::string_view key, std::string_view expected) {
    const toml::node* found = node(key);
    if (found == nullptr || !diagnostics_.ok()) {
        return nullptr;
    }
    if (const T* typed_node = found->as<T>(); typed_node != nullptr) {
        return typed_node;
    }
    diagnostics_.fail_at(found, fmt::format("'{}' is {}; expected {}", base::excerpt(key),
                                            type_name(*found), expected));
    return nullptr;
}

std::optional<std::string> TableReader::string(std::string_view key, std::string_view example) {
    const auto* value =
        typed<toml::value<std::string>>(key, fmt::format("a string, e.g. {} = {}", key, example));
    return value ? std::optional<std::string>(value->get()) : std::nullopt;
}

std::optional<bool> TableReader::boolean(std::string_view key) {
    const auto* value =
        typed<toml::value<bool>>(key, fmt::format("true or false, e.g. {} = true", key));
    return value ? std::optional<bool>(value->get()) : std::nullopt;
}

std::optional<int64_t> TableReader::integer(std::string_view key, int64_t min, int64_t max) {
    const auto* value = typed<toml::value<int64_t>>(
        key, fmt::format("a whole number from {} to {}, e.g. {} = {}", min, max, key, min));
    if (value == nullptr) {
        return std::nullopt;
    }
    if (value->get() < min || value->get() > max) {
        diagnostics_.fail_at(value, fmt::format("{} is {}; expected a whole number from {} to {}",
                                                key, value->get(), min, max));
        return std::nullopt;
    }
    return value->get();
}

std::optional<double> number_of(Diagnostics& diagnostics, const toml::node& node,
                                std::string_view key) {
    if (const auto number = node.value<double>(); number && node.is_number()) {
        return *number;
    }
    diagnostics.fail_at(
        &node, fmt::format("'{}' is {}; expected a number", base::excerpt(key), type_name(node)));
    return std::nullopt;
}

std::optional<double> TableReader::rate(std::string_view key, bool allow_zero) {
    const toml::node* found = node(key);
    if (found == nullptr || !diagnostics_.ok()) {
        return std::nullopt;
    }
    const std::string_view lowest = allow_zero ? "0 or more" : "more than 0";
    if (const auto* text = found->as_string(); text != nullptr) {
        if (allow_zero && text->get() == "0") {
            return 0.0;
        }
        auto parsed = plan::parse_rate_per_s(key, text->get());
        if (!parsed) {
            diagnostics_.fail(diagnostics_.where(found), parsed.error().message);
            return std::nullopt;
        }
        return parsed.value();
    }
    const auto number = found->is_number() ? found->value<double>() : std::nullopt;
    if (!number) {
        diagnostics_.fail_at(found, fmt::format("'{}' is {}; expected a rate per second, e.g. "
                                                "{} = 100 or {} = \"6000/m\"",
                                                base::excerpt(key), type_name(*found),
                                                base::excerpt(key), base::excerpt(key)));
        return std::nullopt;
    }
    const bool in_range = std::isfinite(*number) && (allow_zero ? *number >= 0 : *number > 0) &&
                          *number <= plan::rate_max_per_s;
    if (!in_range) {
        diagnostics_.fail_at(found, fmt::format("{} = {} is out of range; expected {} and at most "
                                                "{:.0f} per second",
                                                key, *number, lowest, plan::rate_max_per_s));
        return std::nullopt;
    }
    return *number;
}

std::optional<int64_t> duration_of(Diagnostics& diagnostics, const toml::node& node,
                                   std::string_view key, bool allow_zero) {
    const std::string where = diagnostics.where(&node);
    const std::string_view lowest = allow_zero ? "0 or more" : "more than 0";
    if (const auto* text = node.as_string(); text != nullptr) {
        auto parsed = plan::parse_duration_ns(key, text->get(), allow_zero);
        if (!parsed) {
            diagnostics.fail(where, parsed.error().message);
            return std::nullopt;
        }
        return parsed.value();
    }
    const auto seconds = node.is_number() ? node.value<double>() : std::nullopt;
    if (!seconds) {
        diagnostics.fail(where,
                         fmt::format("'{}' is {}; expected a duration, e.g. {} = \"30s\", "
                                     "\"2m\", \"1m30s\", \"250ms\" or a number of seconds",
                                     base::excerpt(key), type_name(node), base::excerpt(key)));
        return std::nullopt;
    }
    // 9.2e9 s is where int64 nanoseconds end.
    const bool in_range =
        std::isfinite(*seconds) && (allow_zero ? *seconds >= 0 : *seconds > 0) && *seconds < 9.2e9;
    if (!in_range) {
        diagnostics.fail(where, fmt::format("{} = {} is out of range; expected {} seconds, or a "
                                            "string like \"30s\"",
                                            key, *seconds, lowest));
        return std::nullopt;
    }
    return static_cast<int64_t>(std::llround(*seconds * 1e9));
}

std::optional<int64_t> TableReader::duration_ns(std::string_view key, bool allow_zero) {
    const toml::node* found = node(key);
    if (found == nullptr || !diagnostics_.ok()) {
        return std::nullopt;
    }
    return duration_of(diagnostics_, *found, key, allow_zero);
}

const toml::table* TableReader::table(std::string_view key) {
    return typed<toml::table>(key, fmt::format("a table, e.g. [{}] or {} = {{ ... }}", key, key));
}

const toml::array* TableReader::array(std::string_view key) {
    return typed<toml::array>(key, fmt::format("an array, e.g. {} = [ ... ]", key));
}

bool TableReader::refuse_near_miss(std::string_view key) {
    if (!diagnostics_.ok()) {
        return false;
    }
    const std::string_view wanted[] = {key};
    for (auto&& [typed, value] : table_) {
        const bool asked = std::find(asked_.begin(), asked_.end(), typed.str()) != asked_.end();
        if (asked || !base::nearest_name(typed.str(), wanted)) {
            continue;
        }
        const std::string where = typed.source().begin.line != 0
                                      ? diagnostics_.where(typed.source())
                                      : diagnostics_.where(&value);
        diagnostics_.fail(where, fmt::format("unknown key '{}' in {}; did you mean '{}'?",
                                             base::excerpt(typed.str()), what_, key));
        return true;
    }
    return false;
}

void TableReader::finish() {
    if (!diagnostics_.ok()) {
        return;
    }
    for (auto&& [key, value] : table_) {
        if (std::find(asked_.begin(), asked_.end(), key.str()) != asked_.end()) {
            continue;
        }
        std::string known;
        for (const std::string& name : asked_) {
            known += known.empty() ? name : ", " + name;
        }
        const std::string where = key.source().begin.line != 0 ? diagnostics_.where(key.source())
                                                               : diagnostics_.where(&value);
        // A near miss names the key it probably meant first; the list stays for the rest.
        const std::string hint = base::did_you_mean(key.str(), asked_);
        diagnostics_.fail(
            where,
            fmt::format("unknown key '{}' in {}{}{}expected one of: {}{}", base::excerpt(key.str()),
                        what_, hint, hint.empty() ? "; " : " (", known, hint.empty() ? "" : ")"));
        return;
    }
}

}  // namespace barrage::profile::detail
