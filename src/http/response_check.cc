#include "barrage/http/response_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include "barrage/base/assert.h"
#include "json_body_impl.h"

namespace barrage::http {

// ---------------------------------------------------------------- JsonBody

JsonBody::Impl::Impl(std::size_t body_bytes_max)
    : buffer(new char[body_bytes_max + simdjson::SIMDJSON_PADDING]), capacity(body_bytes_max) {
    std::memset(buffer.get(), 0, body_bytes_max + simdjson::SIMDJSON_PADDING);
    // Sized now so that parsing a body never allocates on the data path.
    // The document's tape is allocated apart from the parser's, on first use otherwise.
    const std::size_t json_capacity = std::max<std::size_t>(body_bytes_max, 64);
    BARRAGE_ASSERT_MSG(parser.allocate(json_capacity) == simdjson::SUCCESS &&
                           parser.doc.allocate(json_capacity) == simdjson::SUCCESS,
                       "cannot allocate the JSON parser");
}

bool JsonBody::Impl::at(std::string_view pointer, simdjson::dom::element& out) {
    if (state == State::unparsed) {
        state = State::not_json;
        if (body.size() <= capacity) {
            std::memcpy(buffer.get(), body.data(), body.size());
            // realloc_if_needed = false: the buffer already carries the padding.
            if (parser.parse(buffer.get(), body.size(), false).get(root) == simdjson::SUCCESS) {
                state = State::parsed;
            }
        }
    }
    if (state != State::parsed) {
        return false;
    }
    return root.at_pointer(pointer).get(out) == simdjson::SUCCESS;
}

JsonBody::JsonBody(std::size_t body_bytes_max) : impl_(std::make_unique<Impl>(body_bytes_max)) {}
JsonBody::~JsonBody() = default;
JsonBody::JsonBody(JsonBody&&) noexcept = default;
JsonBody& JsonBody::operator=(JsonBody&&) noexcept = default;

void JsonBody::reset(std::string_view body) {
    impl_->body = body;
    impl_->state = Impl::State::unparsed;
}

// ---------------------------------------------------------------- names

namespace {

using Kind = CheckSpec::Kind;

const char* kind_name(Kind kind) {
    switch (kind) {
        case Kind::status_in:
            return "status_in";
        case Kind::body_contains:
            return "body_contains";
        case Kind::json_exists:
            return "json_exists";
        case Kind::json_equals:
            return "json_equals";
        case Kind::json_range:
            return "json_range";
    }
    return "?";
}

bool has_status_range(const CheckSpec& spec) {
    return spec.status_min != 0 || spec.status_max != 0;
}

std::string quote_text(std::string_view text) {
    constexpr std::size_t kShown = 40;
    return text.size() <= kShown ? fmt::format("\"{}\"", text)
                                 : fmt::format("\"{}...\"", text.substr(0, kShown));
}

std::string pointer_name(const std::string& pointer) {
    return pointer.empty() ? "(document)" : pointer;
}

std::string status_name(const CheckSpec& spec) {
    std::string name = "status in ";
    if (!spec.statuses.empty()) {
        name += spec.statuses.size() == 1 ? fmt::format("{}", spec.statuses[0])
                                          : fmt::format("{{{}}}", fmt::join(spec.statuses, ", "));
    }
    if (has_status_range(spec)) {
        name += spec.statuses.empty() ? "" : " or ";
        name += fmt::format("{}-{}", spec.status_min, spec.status_max);
    }
    return name;
}

}  // namespace

std::string check_name(const CheckSpec& spec) {
    switch (spec.kind) {
        case Kind::status_in:
            return status_name(spec);
        case Kind::body_contains:
            return "body contains " + quote_text(spec.text);
        case Kind::json_exists:
            return pointer_name(spec.pointer) + " exists";
        case Kind::json_equals:
            if (spec.number) {
                return fmt::format("{} equals {}", pointer_name(spec.pointer), *spec.number);
            }
            if (spec.boolean) {
                return fmt::format("{} equals {}", pointer_name(spec.pointer), *spec.boolean);
            }
            return pointer_name(spec.pointer) + " equals " + quote_text(spec.text);
        case Kind::json_range:
            return fmt::format("{} in [{}, {}]", pointer_name(spec.pointer), spec.number_min,
                               spec.number_max);
    }
    return "?";
}

// ---------------------------------------------------------------- compile

namespace {

bool valid_status(int status) { return status >= 100 && status <= 999; }

// Why the spec cannot be compiled, or "" when it can.
std::string spec_problem(const CheckSpec& spec) {
    switch (spec.kind) {
        case Kind::status_in:
            for (int status : spec.statuses) {
                if (!valid_status(status)) {
                    return fmt::format("status {} is not between 100 and 999", status);
                }
            }
            if (has_status_range(spec) &&
                (!valid_status(spec.status_min) || !valid_status(spec.status_max) ||
                 spec.status_min > spec.status_max)) {
                return fmt::format("status range {}-{} must satisfy 100 <= min <= max <= 999",
                                   spec.status_min, spec.status_max);
            }
            if (spec.statuses.empty() && !has_status_range(spec)) {
                return "expected a list of statuses or a range (min and max)";
            }
            return "";
        case Kind::body_contains:
            return spec.text.empty() ? "the text to look for is empty" : "";
        case Kind::json_exists:
        case Kind::json_equals:
        case Kind::json_range:
            break;
    }
    if (!valid_json_pointer(spec.pointer)) {
        return "'" + spec.pointer +
               "' is not a JSON pointer: expected \"\" or \"/a/b\", with '~' only as ~0 or ~1";
    }
    if (spec.kind == Kind::json_equals && spec.number && spec.boolean) {
        return "expected one value to compare with, got both a number and a boolean";
    }
    if (spec.kind == Kind::json_equals && spec.number && !std::isfinite(*spec.number)) {
        return "the number to compare with must be finite";
    }
    if (spec.kind == Kind::json_range &&
        (!std::isfinite(spec.number_min) || !std::isfinite(spec.number_max))) {
        return "number_min and number_max must be finite numbers";
    }
    if (spec.kind == Kind::json_range && spec.number_min > spec.number_max) {
        return fmt::format("number_min {} is above number_max {}", spec.number_min,
                           spec.number_max);
    }
    return "";
}

}  // namespace

base::Result<ResponseChecks> ResponseChecks::compile(std::span<const CheckSpec> specs) {
    if (specs.size() > kChecksMax) {
        return base::make_error(fmt::format("{} checks on one request; at most {} are allowed",
                                            specs.size(), kChecksMax));
    }
    ResponseChecks checks;
    for (std::size_t i = 0; i < specs.size(); ++i) {
        const std::string problem = spec_problem(specs[i]);
        if (!problem.empty()) {
            return base::make_error(
                fmt::format("check {} ({}): {}", i + 1, kind_name(specs[i].kind), problem));
        }
        checks.specs_.push_back(specs[i]);
        checks.names_.push_back(check_name(specs[i]));
        checks.needs_body_ = checks.needs_body_ || specs[i].kind != Kind::status_in;
        checks.checks_status_ = checks.checks_status_ || specs[i].kind == Kind::status_in;
    }
    return checks;
}

// ---------------------------------------------------------------- evaluate

namespace {

bool status_passes(const CheckSpec& spec, int status) {
    for (int expected : spec.statuses) {
        if (status == expected) {
            return true;
        }
    }
    return has_status_range(spec) && status >= spec.status_min && status <= spec.status_max;
}

bool json_equals(const CheckSpec& spec, const simdjson::dom::element& element) {
    if (spec.number) {
        double value = 0;
        return element.get_double().get(value) == simdjson::SUCCESS && value == *spec.number;
    }
    if (spec.boolean) {
        bool value = false;
        return element.get_bool().get(value) == simdjson::SUCCESS && value == *spec.boolean;
    }
    std::string_view value;
    return element.get_string().get(value) == simdjson::SUCCESS && value == spec.text;
}

bool json_in_range(const CheckSpec& spec, const simdjson::dom::element& element) {
    double value = 0;
    return element.get_double().get(value) == simdjson::SUCCESS && value >= spec.number_min &&
           value <= spec.number_max;
}

bool passes(const CheckSpec& spec, int status, std::string_view body, JsonBody& json) {
    if (spec.kind == Kind::status_in) {
        return status_passes(spec, status);
    }
    if (spec.kind == Kind::body_contains) {
        return body.find(spec.text) != std::string_view::npos;
    }
    BARRAGE_ASSERT_MSG(
        json.impl().body.data() == body.data() && json.impl().body.size() == body.size(),
        "reset the JsonBody to this body before evaluating");
    simdjson::dom::element element;
    if (!json.impl().at(spec.pointer, element)) {
        return false;
    }
    switch (spec.kind) {
        case Kind::json_equals:
            return json_equals(spec, element);
        case Kind::json_range:
            return json_in_range(spec, element);
        default:
            return true;  // json_exists
    }
}

}  // namespace

CheckFailures ResponseChecks::evaluate(int status, std::string_view body, JsonBody& json) const {
    CheckFailures failures;
    for (std::size_t i = 0; i < specs_.size(); ++i) {
        if (!passes(specs_[i], status, body, json)) {
            failures.mask |= uint64_t{1} << i;
        }
    }
    return failures;
}

}  // namespace barrage::http
