#include "barrage/http/capture.h"

#include <algorithm>
#include <charconv>

#include "barrage/base/assert.h"
#include "barrage/base/excerpt.h"
#include "barrage/http/request.h"
#include "http_impl.h"
#include "json_body_impl.h"

namespace barrage::http {

namespace {

template <typename T>
void set_number(TemplateContext& context, std::size_t variable, T value) {
    char buffer[32];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
    BARRAGE_ASSERT(ec == std::errc());
    context.set_variable(variable,
                         std::string_view(buffer, static_cast<std::size_t>(end - buffer)));
}

// The element's text as a template should see it; false for null.
bool set_from_json(const simdjson::dom::element& element, TemplateContext& context,
                   std::size_t variable) {
    using Type = simdjson::dom::element_type;
    switch (element.type()) {
        case Type::STRING:
            context.set_variable(variable, element.get_string().value_unsafe());
            return true;
        case Type::INT64:
            set_number(context, variable, element.get_int64().value_unsafe());
            return true;
        case Type::UINT64:
            set_number(context, variable, element.get_uint64().value_unsafe());
            return true;
        case Type::DOUBLE:
            set_number(context, variable, element.get_double().value_unsafe());
            return true;
        case Type::BOOL:
            context.set_variable(variable, element.get_bool().value_unsafe() ? "true" : "false");
            return true;
        case Type::NULL_VALUE:
            return false;
        case Type::ARRAY:
        case Type::OBJECT:
            // Allocates, unlike the rest; capturing a whole object is rare.
            context.set_variable(variable, simdjson::minify(element));
            return true;
    }
    return false;
}

}  // namespace

base::Result<Capture> Capture::compile(const CaptureSpec& spec, const TemplateScope& scope) {
    const std::string where = "capture of '" + base::excerpt(spec.variable) + "'";
    const int index = scope.index_of(spec.variable);
    if (index < 0) {
        return base::make_error(where + ": the variable is not declared");
    }
    const bool from_header = !spec.header.empty();
    const bool from_json = !spec.json_pointer.empty();
    if (from_header == from_json) {
        return base::make_error(where + ": expected exactly one of a JSON pointer or a header");
    }
    if (from_json && !valid_json_pointer(spec.json_pointer)) {
        return base::make_error(where + ": '" + base::excerpt(spec.json_pointer) +
                                "' is not a JSON pointer: expected \"/a/b\", with '~' only as "
                                "~0 or ~1");
    }
    if (from_header && !is_token(spec.header)) {
        return base::make_error(where + ": '" + base::excerpt(spec.header) +
                                "' is not a header name");
    }
    Capture capture;
    capture.spec_ = spec;
    capture.variable_ = static_cast<std::size_t>(index);
    for (char c : spec.header) {
        capture.header_.push_back(detail::ascii_lower(c));
    }
    return capture;
}

CaptureStatus Capture::apply(const ResponseKeep& kept, JsonBody& json,
                             TemplateContext& context) const {
    if (!header_.empty()) {
        const auto value = kept.header(header_);
        if (!value) {
            return CaptureStatus::not_found;
        }
        if (kept.header_truncated(header_)) {
            return CaptureStatus::truncated;
        }
        context.set_variable(variable_, *value);
        return CaptureStatus::found;
    }
    if (kept.body_truncated()) {
        return CaptureStatus::truncated;
    }
    BARRAGE_ASSERT_MSG(json.impl().body.data() == kept.body().data(),
                       "reset the JsonBody to the kept body before capturing");
    simdjson::dom::element element;
    if (!json.impl().at(spec_.json_pointer, element) ||
        !set_from_json(element, context, variable_)) {
        return CaptureStatus::not_found;
    }
    return CaptureStatus::found;
}

std::string Capture::name() const {
    return spec_.variable + " from " + (header_.empty() ? spec_.json_pointer : "header " + header_);
}

std::vector<std::string> headers_to_keep(std::span<const Capture> captures) {
    std::vector<std::string> names;
    for (const Capture& capture : captures) {
        if (!capture.header().empty() &&
            std::find(names.begin(), names.end(), capture.header()) == names.end()) {
            names.push_back(capture.header());
        }
    }
    return names;
}

}  // namespace barrage::http
