#include "barrage/http/response_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <regex>
#include <utility>

#include "barrage/base/assert.h"
#include "barrage/base/excerpt.h"
#include "barrage/http/request.h"
#include "json_body_impl.h"

namespace barrage::http {

struct ResponseChecks::Regex {
    std::regex pattern;
};

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
        case Kind::json_one_of:
            return "json_one_of";
        case Kind::json_matches:
            return "json_matches";
        case Kind::json_length:
            return "json_length";
        case Kind::body_matches:
            return "body_matches";
        case Kind::body_length:
            return "body_length";
        case Kind::header_exists:
            return "header_exists";
        case Kind::header_matches:
            return "header_matches";
    }
    return "?";
}

bool is_regex(Kind kind) {
    return kind == Kind::json_matches || kind == Kind::body_matches || kind == Kind::header_matches;
}

bool is_json(Kind kind) {
    return kind == Kind::json_exists || kind == Kind::json_equals || kind == Kind::json_range ||
           kind == Kind::json_one_of || kind == Kind::json_matches || kind == Kind::json_length;
}

std::string value_name(const CheckValue& value);

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

std::string value_name(const CheckValue& value) {
    if (value.number) {
        return fmt::format("{}", *value.number);
    }
    if (value.boolean) {
        return fmt::format("{}", *value.boolean);
    }
    return quote_text(value.text);
}

// "[1, 50]", or "3" when both ends are equal.
std::string length_name(const CheckSpec& spec) {
    return spec.number_min == spec.number_max
               ? fmt::format("{}", spec.number_min)
               : fmt::format("[{}, {}]", spec.number_min, spec.number_max);
}

std::string one_of_name(const CheckSpec& spec) {
    std::string name = pointer_name(spec.pointer) + " one of {";
    for (std::size_t i = 0; i < spec.values.size(); ++i) {
        name += (i == 0 ? "" : ", ") + value_name(spec.values[i]);
    }
    return name + "}";
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
        case Kind::json_one_of:
            return one_of_name(spec);
        case Kind::json_matches:
            return pointer_name(spec.pointer) + " matches " + quote_text(spec.text);
        case Kind::json_length:
            return pointer_name(spec.pointer) + " length " + length_name(spec);
        case Kind::body_matches:
            return "body matches " + quote_text(spec.text);
        case Kind::body_length:
            return "body length " + length_name(spec);
        case Kind::header_exists:
            return "header " + spec.header + " exists";
        case Kind::header_matches:
            return "header " + spec.header + " matches " + quote_text(spec.text);
    }
    return "?";
}

// ---------------------------------------------------------------- compile

namespace {

bool valid_status(int status) { return status >= 100 && status <= 999; }

std::string length_problem(const CheckSpec& spec) {
    if (!(spec.number_min >= 0 && spec.number_min <= spec.number_max) ||
        !std::isfinite(spec.number_max)) {
        return fmt::format("length [{}, {}] must satisfy 0 <= min <= max", spec.number_min,
                           spec.number_max);
    }
    return "";
}

std::string one_of_problem(const CheckSpec& spec) {
    if (spec.values.empty()) {
        return "one_of is empty: expected at least one value";
    }
    for (const CheckValue& value : spec.values) {
        if ((value.number && value.boolean) || (value.number && !std::isfinite(*value.number))) {
            return "each value of one_of must be one finite number, string or boolean";
        }
    }
    return "";
}

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
        case Kind::body_matches:
            return "";
        case Kind::body_length:
            return length_problem(spec);
        case Kind::header_exists:
        case Kind::header_matches:
            return is_token(spec.header)
                       ? ""
                       : fmt::format("'{}' is not a header name", base::excerpt(spec.header));
        case Kind::json_exists:
        case Kind::json_equals:
        case Kind::json_range:
        case Kind::json_one_of:
        case Kind::json_matches:
        case Kind::json_length:
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
    if (spec.kind == Kind::json_one_of) {
        return one_of_problem(spec);
    }
    return spec.kind == Kind::json_length ? length_problem(spec) : "";
}

// Compiled once, searched by every worker (a const std::regex is safe to share).
// __polynomial: libstdc++'s breadth-first matcher, whose stack does not grow
// with the text (the default one recurses per byte and overflows on ~16 KiB).
base::Result<std::shared_ptr<const ResponseChecks::Regex>> compile_regex(const std::string& text) {
    try {
        auto regex = std::make_shared<ResponseChecks::Regex>();
        regex->pattern = std::regex(text, std::regex::ECMAScript | std::regex::optimize |
                                              std::regex_constants::__polynomial);
        return std::shared_ptr<const ResponseChecks::Regex>(std::move(regex));
    } catch (const std::regex_error& error) {
        return base::make_error(
            fmt::format("'{}' is not a regular expression ({}); expected "
                        "ECMAScript syntax without back-references",
                        base::excerpt(text), error.what()));
    }
}

// Why `spec` cannot be compiled, or "" with its regex (if any) in `regex`.
std::string compile_one(const CheckSpec& spec,
                        std::shared_ptr<const ResponseChecks::Regex>& regex) {
    std::string problem = spec_problem(spec);
    if (problem.empty() && is_regex(spec.kind)) {
        auto compiled = compile_regex(spec.text);
        if (!compiled) {
            return compiled.error().message;
        }
        regex = std::move(compiled).value();
    }
    return problem;
}

}  // namespace

base::Result<ResponseChecks> ResponseChecks::compile(std::span<const CheckSpec> specs) {
    if (specs.size() > kChecksMax) {
        return base::make_error(fmt::format("{} checks on one request; at most {} are allowed",
                                            specs.size(), kChecksMax));
    }
    ResponseChecks checks;
    for (std::size_t i = 0; i < specs.size(); ++i) {
        std::shared_ptr<const Regex> regex;
        const std::string problem = compile_one(specs[i], regex);
        if (!problem.empty()) {
            return base::make_error(
                fmt::format("check {} ({}): {}", i + 1, kind_name(specs[i].kind), problem));
        }
        checks.specs_.push_back(specs[i]);
        checks.regexes_.push_back(std::move(regex));
        checks.names_.push_back(check_name(specs[i]));
        checks.needs_body_ = checks.needs_body_ || specs[i].kind == Kind::body_contains ||
                             specs[i].kind == Kind::body_matches || is_json(specs[i].kind);
        checks.checks_status_ = checks.checks_status_ || specs[i].kind == Kind::status_in;
    }
    return checks;
}

base::Status ResponseChecks::validate(const CheckSpec& spec) {
    std::shared_ptr<const Regex> regex;
    const std::string problem = compile_one(spec, regex);
    if (!problem.empty()) {
        return base::make_error(fmt::format("{}: {}", kind_name(spec.kind), problem));
    }
    return base::Ok{};
}

std::vector<std::string> ResponseChecks::headers() const {
    std::vector<std::string> names;
    for (const CheckSpec& spec : specs_) {
        if (spec.kind != Kind::header_exists && spec.kind != Kind::header_matches) {
            continue;
        }
        std::string lower = spec.header;
        std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
            return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        });
        if (std::find(names.begin(), names.end(), lower) == names.end()) {
            names.push_back(std::move(lower));
        }
    }
    return names;
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

// Of the same type and equal: the number 7 does not equal the string "7".
bool value_equals(const std::optional<double>& number, const std::optional<bool>& boolean,
                  std::string_view text, const simdjson::dom::element& element) {
    if (number) {
        double value = 0;
        return element.get_double().get(value) == simdjson::SUCCESS && value == *number;
    }
    if (boolean) {
        bool value = false;
        return element.get_bool().get(value) == simdjson::SUCCESS && value == *boolean;
    }
    std::string_view value;
    return element.get_string().get(value) == simdjson::SUCCESS && value == text;
}

bool json_equals(const CheckSpec& spec, const simdjson::dom::element& element) {
    return value_equals(spec.number, spec.boolean, spec.text, element);
}

bool json_in_range(const CheckSpec& spec, const simdjson::dom::element& element) {
    double value = 0;
    return element.get_double().get(value) == simdjson::SUCCESS && value >= spec.number_min &&
           value <= spec.number_max;
}

bool searches(const ResponseChecks::Regex& regex, std::string_view text) {
    text = text.substr(0, regex_bytes_max);
    return std::regex_search(text.begin(), text.end(), regex.pattern);
}

bool json_one_of(const CheckSpec& spec, const simdjson::dom::element& element) {
    return std::any_of(spec.values.begin(), spec.values.end(), [&](const CheckValue& value) {
        return value_equals(value.number, value.boolean, value.text, element);
    });
}

bool in_length(const CheckSpec& spec, std::size_t length) {
    const auto value = static_cast<double>(length);
    return value >= spec.number_min && value <= spec.number_max;
}

bool json_length(const CheckSpec& spec, const simdjson::dom::element& element) {
    simdjson::dom::array array;
    simdjson::dom::object object;
    std::string_view text;
    if (element.get_array().get(array) == simdjson::SUCCESS) {
        return in_length(spec, array.size());
    }
    if (element.get_object().get(object) == simdjson::SUCCESS) {
        return in_length(spec, object.size());
    }
    return element.get_string().get(text) == simdjson::SUCCESS && in_length(spec, text.size());
}

bool json_passes(const CheckSpec& spec, const ResponseChecks::Regex* regex,
                 const simdjson::dom::element& element) {
    std::string_view text;
    switch (spec.kind) {
        case Kind::json_equals:
            return json_equals(spec, element);
        case Kind::json_range:
            return json_in_range(spec, element);
        case Kind::json_one_of:
            return json_one_of(spec, element);
        case Kind::json_matches:
            return element.get_string().get(text) == simdjson::SUCCESS && searches(*regex, text);
        case Kind::json_length:
            return json_length(spec, element);
        default:
            return true;  // json_exists
    }
}

bool header_passes(const CheckSpec& spec, const ResponseChecks::Regex* regex,
                   const CheckedResponse& response) {
    if (response.kept == nullptr) {
        return false;
    }
    const std::optional<std::string_view> value = response.kept->header(spec.header);
    return value && (spec.kind == Kind::header_exists || searches(*regex, *value));
}

bool passes(const CheckSpec& spec, const ResponseChecks::Regex* regex,
            const CheckedResponse& response, JsonBody& json) {
    switch (spec.kind) {
        case Kind::status_in:
            return status_passes(spec, response.status);
        case Kind::body_contains:
            return response.body.find(spec.text) != std::string_view::npos;
        case Kind::body_matches:
            return searches(*regex, response.body);
        case Kind::body_length:
            return in_length(spec, static_cast<std::size_t>(response.body_bytes));
        case Kind::header_exists:
        case Kind::header_matches:
            return header_passes(spec, regex, response);
        default:
            break;
    }
    BARRAGE_ASSERT_MSG(json.impl().body.data() == response.body.data() &&
                           json.impl().body.size() == response.body.size(),
                       "reset the JsonBody to this body before evaluating");
    simdjson::dom::element element;
    return json.impl().at(spec.pointer, element) && json_passes(spec, regex, element);
}

}  // namespace

CheckFailures ResponseChecks::evaluate(const CheckedResponse& response, JsonBody& json) const {
    BARRAGE_ASSERT(response.body_bytes >= static_cast<int64_t>(response.body.size()));
    CheckFailures failures;
    for (std::size_t i = 0; i < specs_.size(); ++i) {
        if (!passes(specs_[i], regexes_[i].get(), response, json)) {
            failures.mask |= uint64_t{1} << i;
        }
    }
    return failures;
}

CheckFailures ResponseChecks::evaluate(int status, std::string_view body, JsonBody& json) const {
    return evaluate(CheckedResponse{status, body, static_cast<int64_t>(body.size()), nullptr},
                    json);
}

}  // namespace barrage::http
