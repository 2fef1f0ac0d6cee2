// Response checks of a [[requests]] table: checks = [{ status = 200 }, ...]
// (docs/profiles.md "Checks"), read into http::CheckSpec and compiled once to
// report a bad one (a regex that does not compile) with its position.

#include <fmt/format.h>

#include <cmath>
#include <utility>

#include "barrage/base/excerpt.h"
#include "barrage/http/request.h"
#include "barrage/http/response_check.h"
#include "profile_impl.h"

namespace barrage::profile::detail {
namespace {

constexpr int status_lowest = 100;
constexpr int status_highest = 599;

// status = 200 | [200, 201]; status_between = [200, 299]
bool read_status_list(Diagnostics& diagnostics, const toml::node& node, const char* key,
                      std::vector<int>& out) {
    std::vector<const toml::node*> items;
    if (const auto* list = node.as_array(); list != nullptr) {
        for (const toml::node& item : *list) {
            items.push_back(&item);
        }
    } else {
        items.push_back(&node);
    }
    for (const toml::node* item : items) {
        const auto code = item->as_integer();
        if (code == nullptr || code->get() < status_lowest || code->get() > status_highest) {
            diagnostics.fail_at(item, fmt::format("{}: expected a status code from {} to {} (or "
                                                  "an array of them)",
                                                  key, status_lowest, status_highest));
            return false;
        }
        out.push_back(static_cast<int>(code->get()));
    }
    if (out.empty()) {
        diagnostics.fail_at(&node, fmt::format("{} is empty; expected at least one status", key));
    }
    return !out.empty();
}

// between = [min, max]
bool read_pair(Diagnostics& diagnostics, const toml::node& node, const char* key, double& low,
               double& high) {
    const auto* pair = node.as_array();
    if (pair == nullptr || pair->size() != 2 || !pair->get(0)->is_number() ||
        !pair->get(1)->is_number()) {
        diagnostics.fail_at(&node, fmt::format("{} must be two numbers; expected e.g. {} = [0, "
                                               "100]",
                                               key, key));
        return false;
    }
    low = pair->get(0)->value<double>().value_or(0);
    high = pair->get(1)->value<double>().value_or(0);
    if (low > high) {
        diagnostics.fail_at(&node, fmt::format("{} = [{}, {}] is empty; expected [min, max] with "
                                               "min <= max",
                                               key, low, high));
        return false;
    }
    return true;
}

// one_of = ["done", "queued", 3, true]: strings, numbers or booleans.
void read_values(Diagnostics& diagnostics, const toml::node& node, http::CheckSpec& spec) {
    const auto* list = node.as_array();
    if (list == nullptr || list->empty()) {
        diagnostics.fail_at(&node,
                            "one_of must be a non-empty array; expected e.g. one_of = "
                            "[\"done\", \"queued\"]");
        return;
    }
    for (const toml::node& item : *list) {
        http::CheckValue value;
        if (const auto* text = item.as_string()) {
            value.text = text->get();
        } else if (const auto* flag = item.as_boolean()) {
            value.boolean = flag->get();
        } else if (item.is_number()) {
            value.number = item.value<double>();
        } else {
            diagnostics.fail_at(&item, fmt::format("one_of holds {}; expected strings, numbers "
                                                   "or booleans",
                                                   type_name(item)));
            return;
        }
        spec.values.push_back(std::move(value));
    }
}

// length = 3 | [1, 50] (body_length too): whole numbers >= 0.
void read_length(Diagnostics& diagnostics, const toml::node& node, const char* key,
                 http::CheckSpec& spec) {
    if (const auto* exact = node.as_integer()) {
        spec.number_min = spec.number_max = static_cast<double>(exact->get());
    } else if (!read_pair(diagnostics, node, key, spec.number_min, spec.number_max)) {
        return;
    }
    if (spec.number_min < 0 || spec.number_min != std::floor(spec.number_min) ||
        spec.number_max != std::floor(spec.number_max)) {
        diagnostics.fail_at(&node, fmt::format("{} must be a whole number >= 0 or [min, max] of "
                                               "them; expected e.g. {} = [1, 50]",
                                               key, key));
    }
}

void read_json_equals(Diagnostics& diagnostics, const toml::node& equals, http::CheckSpec& spec) {
    if (const auto* text = equals.as_string()) {
        spec.text = text->get();
    } else if (const auto* flag = equals.as_boolean()) {
        spec.boolean = flag->get();
    } else if (equals.is_number()) {
        spec.number = equals.value<double>();
    } else {
        diagnostics.fail_at(&equals, fmt::format("equals is {}; expected a string, a number or "
                                                 "a boolean",
                                                 type_name(equals)));
    }
}

// json = "/pointer" with exactly one of exists, equals, between, one_of, matches, length.
void read_json_check(TableReader& check, const std::string& pointer, http::CheckSpec& spec) {
    using Kind = http::CheckSpec::Kind;
    Diagnostics& diagnostics = check.diagnostics();
    spec.pointer = pointer;
    const std::pair<const char*, Kind> kinds[] = {
        {"exists", Kind::json_exists},   {"equals", Kind::json_equals},
        {"between", Kind::json_range},   {"one_of", Kind::json_one_of},
        {"matches", Kind::json_matches}, {"length", Kind::json_length}};
    const toml::node* given = nullptr;
    int count = 0;
    for (const auto& [key, kind] : kinds) {
        if (const toml::node* node = check.node(key)) {
            given = node;
            spec.kind = kind;
            ++count;
        }
    }
    check.finish();  // an unknown key is named before a missing one is asked for
    if (!diagnostics.ok()) {
        return;  // `given` may be null: nothing below may read it
    }
    if (count != 1) {
        diagnostics.fail_at(&check.source(),
                            "a json check needs exactly one of exists = true, equals = VALUE, "
                            "between = [min, max], one_of = [VALUES], matches = \"REGEX\", "
                            "length = N or [min, max]");
        return;
    }
    switch (spec.kind) {
        case Kind::json_exists:
            if (given->value<bool>() != true) {
                diagnostics.fail_at(given, "exists: expected true (a pointer that must resolve)");
            }
            break;
        case Kind::json_range:
            read_pair(diagnostics, *given, "between", spec.number_min, spec.number_max);
            break;
        case Kind::json_one_of:
            read_values(diagnostics, *given, spec);
            break;
        case Kind::json_matches:
            spec.text = check.string("matches", "\"^[0-9a-f-]{36}$\"").value_or("");
            break;
        case Kind::json_length:
            read_length(diagnostics, *given, "length", spec);
            break;
        default:
            read_json_equals(diagnostics, *given, spec);
    }
}

// header = "Name" with exists = true or matches = "REGEX".
void read_header_check(TableReader& check, const std::string& header, http::CheckSpec& spec) {
    Diagnostics& diagnostics = check.diagnostics();
    spec.header = header;
    const toml::node* exists = check.node("exists");
    const auto matches = check.string("matches", "\"^application/json\"");
    check.finish();  // an unknown key is named before a missing one is asked for
    if (diagnostics.ok() && (exists != nullptr) == matches.has_value()) {
        diagnostics.fail_at(&check.source(),
                            "a header check needs exactly one of exists = true "
                            "or matches = \"REGEX\"");
        return;
    }
    if (exists != nullptr && exists->value<bool>() != true) {
        diagnostics.fail_at(exists, "exists: expected true (a header that must be there)");
    }
    spec.kind =
        matches ? http::CheckSpec::Kind::header_matches : http::CheckSpec::Kind::header_exists;
    spec.text = matches.value_or("");
    if (diagnostics.ok() && !http::is_token(header)) {
        diagnostics.fail_at(check.node("header"),
                            fmt::format("'{}' is not a header name; expected letters, digits and "
                                        "'-', e.g. header = \"Content-Type\"",
                                        base::excerpt(header)));
    }
}

// The body's own checks: body_contains, body_matches, body_length.
void read_body_check(TableReader& check, http::CheckSpec& spec) {
    Diagnostics& diagnostics = check.diagnostics();
    if (const auto contains = check.string("body_contains", "\"ok\"")) {
        spec.kind = http::CheckSpec::Kind::body_contains;
        spec.text = *contains;
    } else if (const auto pattern = check.string("body_matches", "\"\\\"id\\\": *[0-9]+\"")) {
        spec.kind = http::CheckSpec::Kind::body_matches;
        spec.text = *pattern;
    } else if (const toml::node* length = check.node("body_length")) {
        spec.kind = http::CheckSpec::Kind::body_length;
        read_length(diagnostics, *length, "body_length", spec);
    }
}

void read_status_check(TableReader& check, http::CheckSpec& spec) {
    Diagnostics& diagnostics = check.diagnostics();
    spec.kind = http::CheckSpec::Kind::status_in;
    if (const toml::node* status = check.node("status")) {
        read_status_list(diagnostics, *status, "status", spec.statuses);
        return;
    }
    const toml::node* status_between = check.node("status_between");
    double low = 0;
    double high = 0;
    if (read_pair(diagnostics, *status_between, "status_between", low, high)) {
        if (low < 100 || high > 599) {  // and no int cast out of range (profile_fuzz)
            diagnostics.fail_at(status_between,
                                fmt::format("status_between = [{}, {}]: statuses are 100 to "
                                            "599; expected e.g. status_between = [200, 299]",
                                            low, high));
        } else {
            spec.status_min = static_cast<int>(low);
            spec.status_max = static_cast<int>(high);
        }
    }
}

// One check: exactly one of status, status_between, body_contains, body_matches,
// body_length, json, header.
void read_check(Diagnostics& diagnostics, const toml::node& node, http::CheckSpec& spec) {
    const auto* table = node.as_table();
    if (table == nullptr) {
        diagnostics.fail_at(&node,
                            "a check must be a table; expected e.g. { status = 200 } or "
                            "{ json = \"/ok\", equals = true }");
        return;
    }
    TableReader check(diagnostics, *table, "a check");
    int given = 0;
    for (const char* key : {"status", "status_between", "body_contains", "body_matches",
                            "body_length", "json", "header"}) {
        given += check.node(key) != nullptr ? 1 : 0;
    }
    if (diagnostics.ok() && given != 1) {
        diagnostics.fail_at(&node,
                            "a check needs exactly one of status, status_between, "
                            "body_contains, body_matches, body_length, json, header");
    }
    if (!diagnostics.ok()) {
        return;
    }
    if (check.has("status") || check.has("status_between")) {
        read_status_check(check, spec);
    } else if (const auto pointer = check.string("json", "\"/prediction/score\"")) {
        read_json_check(check, *pointer, spec);
    } else if (const auto header = check.string("header", "\"Content-Type\"")) {
        read_header_check(check, *header, spec);
    } else {
        read_body_check(check, spec);
    }
    check.finish();
}

}  // namespace

void read_checks(TableReader& request, plan::NamedRequest& out) {
    Diagnostics& diagnostics = request.diagnostics();
    const toml::array* checks = request.array("checks");
    if (checks == nullptr) {
        return;
    }
    for (const toml::node& node : *checks) {
        http::CheckSpec spec;
        read_check(diagnostics, node, spec);
        if (diagnostics.ok()) {
            // Here, to point at the check: a regex that does not compile, a bad header name.
            if (auto valid = http::ResponseChecks::validate(spec); !valid) {
                diagnostics.fail_at(&node, fmt::format("check {}, {}", out.checks.size() + 1,
                                                       valid.error().message));
            }
        }
        out.checks.push_back(std::move(spec));
    }
    if (!diagnostics.ok()) {
        return;
    }
    auto compiled = http::ResponseChecks::compile(out.checks);
    if (!compiled) {
        diagnostics.fail_at(checks, fmt::format("{}; expected checks as in docs/profiles.md",
                                                compiled.error().message));
    }
}

}  // namespace barrage::profile::detail
