#pragma once
// A request whose path, header values and body are templates: compiled once,
// rendered per request straight into a connection's send buffer. A request
// without placeholders is serialized once and rendering only points at it.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "barrage/base/result.h"
#include "barrage/http/request.h"
#include "barrage/http/template.h"

namespace barrage::http {

class RequestTemplate {
public:
    // `spec` holds template text in path, header values and body; the same
    // rules as serialize_request apply (Host, User-Agent, Content-Length,
    // Connection: close are added the same way). Errors name the part:
    // "path: unknown variable 'tokn' at offset 8 (known: token)".
    static base::Result<RequestTemplate> compile(const RequestSpec& spec,
                                                 const TemplateScope& scope);

    bool is_constant() const { return constant_.has_value(); }
    // The serialized request when is_constant().
    std::string_view constant_bytes() const { return *constant_; }

    // The largest request render() builds: path, headers and a templated body
    // together (the same 64 MiB as a --body-file, which is not counted: it is
    // not rendered). Values repeated from a data file can otherwise render gigabytes.
    static constexpr std::size_t rendered_bytes_max = std::size_t{64} * 1024 * 1024;

    // Renders the whole request into `out` (cleared first); `body_scratch`
    // is reused for the body. Rendered values that would break the framing
    // are neutralized: CR, LF and NUL in a header value become spaces; bytes
    // a path may not hold are percent-encoded. No allocation once the
    // buffers have grown to size. Returns false, with `out` unusable, when
    // the request would exceed rendered_bytes_max: rendering stops there,
    // so the buffers grow at most one rendered value beyond the limit.
    bool render(TemplateContext& context, std::string& out, std::string& body_scratch) const;

    bool is_head() const { return is_head_; }

private:
    // Literal text, then (optionally) a rendered header value and its CRLF.
    struct Piece {
        std::string literal;
        std::optional<Template> value;
    };
    // Fills pieces_: the request line's end, Host and User-Agent unless the
    // spec has them, then the spec's headers (constant ones as in `probe`,
    // templated ones from `values`).
    void add_header_pieces(const RequestSpec& spec, const RequestSpec& probe,
                           std::vector<std::optional<Template>>& values);

    std::optional<std::string> constant_;
    std::string method_space_;  // "GET "
    std::optional<Template> path_;
    std::vector<Piece> pieces_;  // " HTTP/1.1\r\n", header lines in order
    std::string tail_;           // header lines after the body's length, then CRLF
    std::optional<Template> body_;
    std::shared_ptr<const std::string> body_verbatim_;  // instead of body_ (RequestSpec)
    bool content_length_ = false;                       // add Content-Length for the rendered body
    bool is_head_ = false;
};

}  // namespace barrage::http
