#include "barrage/http/request_template.h"

#include <algorithm>
#include <charconv>

#include "barrage/base/excerpt.h"
#include "http_impl.h"

namespace barrage::http {
namespace {

using detail::equals_ignore_case;

bool has_header(const RequestSpec& spec, std::string_view lower_name) {
    for (const auto& [name, value] : spec.headers) {
        if (equals_ignore_case(name, lower_name)) {
            return true;
        }
    }
    return false;
}

base::Result<Template> compile_part(std::string_view what, std::string_view text,
                                    const TemplateScope& scope,
                                    TemplateEncoding encoding = TemplateEncoding::none) {
    auto compiled = Template::compile(text, scope, encoding);
    if (!compiled.ok()) {
        return base::make_error(std::string(what) + ": " + compiled.error().message);
    }
    return std::move(compiled).value();
}

// A value that would end the header line early becomes harmless.
void neutralize_header_value(std::string& out, std::size_t from) {
    for (std::size_t i = from; i < out.size(); ++i) {
        if (out[i] == '\r' || out[i] == '\n' || out[i] == '\0') {
            out[i] = ' ';
        }
    }
}

// Bytes a request-target may not hold (space, controls, DEL) are percent-encoded.
void append_path(std::string& out, std::string_view path) {
    static constexpr char hex[] = "0123456789ABCDEF";
    for (char c : path) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte == 0x7F) {
            out.push_back('%');
            out.push_back(hex[byte >> 4]);
            out.push_back(hex[byte & 0xF]);
        } else {
            out.push_back(c);
        }
    }
}

// Compiles each header value: a constant one goes into `probe` as it is and
// leaves an empty slot in `values`; a templated one leaves neutral text in
// `probe` and its template in `values`.
base::Status compile_header_values(const RequestSpec& spec, const TemplateScope& scope,
                                   RequestSpec& probe,
                                   std::vector<std::optional<Template>>& values) {
    for (std::size_t i = 0; i < spec.headers.size(); ++i) {
        auto value = compile_part("header '" + base::excerpt(spec.headers[i].first) + "'",
                                  spec.headers[i].second, scope);
        if (!value.ok()) {
            return value.error();
        }
        if (value.value().is_constant()) {
            probe.headers[i].second = std::string(value.value().constant_text());
            values.emplace_back();
        } else {
            probe.headers[i].second = "x";
            values.emplace_back(std::move(value).value());
        }
    }
    return base::Ok{};
}

void append_header_line(std::string& out, std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

base::Result<RequestTemplate> RequestTemplate::compile(const RequestSpec& spec,
                                                       const TemplateScope& scope) {
    auto path = compile_part("path", spec.path, scope);
    if (!path.ok()) {
        return path.error();
    }
    // A verbatim body is bytes, not a template: it is never looked at for "{{".
    auto body = compile_part(
        "body", spec.body_verbatim ? std::string_view() : spec.body, scope,
        spec.body_form_urlencoded ? TemplateEncoding::form_urlencoded : TemplateEncoding::none);
    if (!body.ok()) {
        return body.error();
    }
    std::vector<std::optional<Template>> values;
    bool constant = path.value().is_constant() && body.value().is_constant();
    // The fixed parts are checked by serializing them with the placeholders
    // replaced by neutral text, so both kinds of request obey the same rules.
    RequestSpec probe = spec;
    probe.path = path.value().is_constant() ? std::string(path.value().constant_text()) : "/";
    if (!spec.body_verbatim) {
        probe.body = body.value().is_constant() ? std::string(body.value().constant_text()) : "";
    }
    if (auto status = compile_header_values(spec, scope, probe, values); !status) {
        return status.error();
    }
    constant = constant && std::all_of(values.begin(), values.end(),
                                       [](const auto& value) { return !value.has_value(); });
    auto serialized = serialize_request(probe);
    if (!serialized.ok()) {
        return serialized.error();
    }
    RequestTemplate result;
    result.is_head_ = spec.method == "HEAD";
    if (constant) {
        result.constant_ = std::move(serialized).value();
        return result;
    }
    const bool user_framed =
        has_header(spec, "content-length") || has_header(spec, "transfer-encoding");
    if (user_framed && !body.value().is_constant()) {
        return base::make_error(
            "a templated body cannot have a Content-Length or Transfer-Encoding header: its "
            "length changes per request; remove the header and barrage computes it");
    }
    result.method_space_ = spec.method + " ";
    if (!path.value().is_constant()) {
        result.path_ = std::move(path).value();
    } else {
        result.method_space_.append(probe.path);
    }
    result.add_header_pieces(spec, probe, values);
    result.content_length_ = !user_framed && (!spec.body_bytes().empty() || spec.method == "POST" ||
                                              spec.method == "PUT" || spec.method == "PATCH");
    if (!spec.keep_alive) {
        append_header_line(result.tail_, "Connection", "close");
    }
    result.tail_.append("\r\n");
    result.body_ = std::move(body).value();
    result.body_verbatim_ = spec.body_verbatim;
    return result;
}

void RequestTemplate::add_header_pieces(const RequestSpec& spec, const RequestSpec& probe,
                                        std::vector<std::optional<Template>>& values) {
    std::string literal = " HTTP/1.1\r\n";
    if (!has_header(spec, "host")) {
        append_header_line(literal, "Host", spec.host_header);
    }
    if (!has_header(spec, "user-agent")) {
        append_header_line(literal, "User-Agent", "barrage/" BARRAGE_VERSION);
    }
    for (std::size_t i = 0; i < spec.headers.size(); ++i) {
        if (!values[i]) {
            append_header_line(literal, spec.headers[i].first, probe.headers[i].second);
            continue;
        }
        literal.append(spec.headers[i].first).append(": ");
        pieces_.push_back(Piece{std::move(literal), std::move(values[i])});
        literal.clear();
    }
    pieces_.push_back(Piece{std::move(literal), std::nullopt});
}

bool RequestTemplate::render(TemplateContext& context, std::string& out,
                             std::string& body_scratch) const {
    BARRAGE_ASSERT(!is_constant());
    constexpr std::size_t max = rendered_bytes_max;
    context.begin_request();
    out.clear();
    out.append(method_space_);
    if (path_) {
        body_scratch.clear();
        if (!path_->render(context, body_scratch, max)) {
            return false;
        }
        append_path(out, body_scratch);
    }
    for (const Piece& piece : pieces_) {
        out.append(piece.literal);
        if (piece.value) {
            const std::size_t from = out.size();
            if (out.size() > max || !piece.value->render(context, out, max)) {
                return false;
            }
            neutralize_header_value(out, from);
            out.append("\r\n");
        }
    }
    body_scratch.clear();
    if (out.size() > max || !body_->render(context, body_scratch, max - out.size())) {
        return false;
    }
    const std::string_view body = body_verbatim_ ? std::string_view(*body_verbatim_) : body_scratch;
    if (content_length_) {
        char digits[24];
        const auto end = std::to_chars(digits, digits + sizeof(digits), body.size()).ptr;
        out.append("Content-Length: ").append(digits, end).append("\r\n");
    }
    out.append(tail_);
    // A verbatim body is not rendered: the --body-file limit bounds it already.
    if (!body_verbatim_ && out.size() + body.size() > max) {
        return false;
    }
    out.append(body);
    return true;
}

}  // namespace barrage::http
