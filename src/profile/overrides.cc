#include <fmt/format.h>

#include <charconv>

#include "ascii_document_impl.h"
#include "barrage/base/excerpt.h"
#include "barrage/base/nearest.h"
#include "profile_impl.h"

namespace barrage::profile::detail {
namespace {

std::vector<std::string_view> split_path(std::string_view key) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (true) {
        const size_t dot = key.find('.', start);
        parts.push_back(key.substr(start, dot - start));
        if (dot == std::string_view::npos) {
            return parts;
        }
        start = dot + 1;
    }
}

// The keys of a table, or the names of an array's elements: what a path part may be.
std::vector<std::string> names_in(const toml::node& parent) {
    std::vector<std::string> names;
    if (const auto* table = parent.as_table(); table != nullptr) {
        for (auto&& [key, value] : *table) {
            names.emplace_back(key.str());
        }
    } else if (const auto* array = parent.as_array(); array != nullptr) {
        for (const toml::node& element : *array) {
            const auto* element_table = element.as_table();
            const auto* name = element_table ? element_table->get_as<std::string>("name") : nullptr;
            if (name != nullptr) {
                names.push_back(name->get());
            }
        }
    }
    return names;
}

// Element `part` of an array: an index from 0, or the element whose name is `part`.
toml::node* array_element(toml::array& array, std::string_view part) {
    size_t index = 0;
    const auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), index);
    if (error == std::errc{} && end == part.data() + part.size()) {
        return array.get(index);
    }
    for (toml::node& element : array) {
        const auto* table = element.as_table();
        const auto* name = table ? table->get_as<std::string>("name") : nullptr;
        if (name != nullptr && name->get() == part) {
            return &element;
        }
    }
    return nullptr;
}

// VALUE as TOML (50, 2.5, true, "x", [1, 2]); anything else is a string
// (also what toml++ must not see: see ascii_document_impl.h).
toml::table parse_value(std::string_view value) {
    const AsciiDocument ascii = ascii_document(fmt::format("v = {}", value));
    auto parsed =
        ascii.refused_at == std::string_view::npos ? toml::parse(ascii.text) : toml::parse_result{};
    if (parsed && parsed.table().contains("v") && !parsed.table().get("v")->is_table()) {
        return std::move(parsed).table();
    }
    toml::table as_string;
    as_string.insert("v", std::string(value));
    return as_string;
}

void apply_set(toml::table& root, std::string_view set, Diagnostics& diagnostics) {
    const size_t equals = set.find('=');
    const std::string where = fmt::format("--set {}", set);
    if (equals == std::string_view::npos || equals == 0) {
        diagnostics.fail(where, "expected KEY=VALUE, e.g. --set phases.0.rate=50");
        return;
    }
    const std::string_view key = set.substr(0, equals);
    const std::vector<std::string_view> parts = split_path(key);
    toml::node* parent = &root;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
        toml::node* next = nullptr;
        if (auto* table = parent->as_table(); table != nullptr) {
            next = table->get(parts[i]);
        } else if (auto* array = parent->as_array(); array != nullptr) {
            next = array_element(*array, parts[i]);
        }
        if (next == nullptr) {
            diagnostics.fail(where, fmt::format("'{}' is not in the profile{}; expected a path of "
                                                "keys, array indexes from 0 or element names, "
                                                "e.g. phases.0.rate or requests.login.weight",
                                                base::excerpt(parts[i]),
                                                base::did_you_mean(parts[i], names_in(*parent))));
            return;
        }
        parent = next;
    }
    toml::table value = parse_value(set.substr(equals + 1));
    auto* table = parent->as_table();
    const std::string last(parts.back());
    const toml::node* existing = table ? table->get(last) : nullptr;
    if (table == nullptr || (existing != nullptr && existing->is_table()) || last.empty()) {
        diagnostics.fail(where, fmt::format("'{}' is not a setting of a table; expected the "
                                            "path of one value, e.g. phases.0.rate",
                                            base::excerpt(key)));
        return;
    }
    table->insert_or_assign(last, *value.get("v"));
    diagnostics.note_set_origin(table->get(last), std::string(key));
}

}  // namespace

void apply_sets(toml::table& root, const std::vector<std::string>& sets, Diagnostics& diagnostics) {
    for (const std::string& set : sets) {
        apply_set(root, set, diagnostics);
        if (!diagnostics.ok()) {
            return;
        }
    }
}

}  // namespace barrage::profile::detail
