#include "barrage/http/request_template.h"

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "barrage/http/form_body.h"
#include "barrage/http/request.h"

namespace http = barrage::http;

namespace {

http::RequestSpec spec_of(std::string method, std::string path, std::string body = "") {
    http::RequestSpec spec;
    spec.method = std::move(method);
    spec.path = std::move(path);
    spec.host_header = "example.test:8080";
    spec.body = std::move(body);
    return spec;
}

http::TemplateScope scope_of(std::vector<std::string> names) {
    return http::TemplateScope{std::move(names)};
}

}  // namespace

TEST_CASE("a request without placeholders is serialized once, like serialize_request") {
    auto spec = spec_of("POST", "/orders", "{\"a\":1}");
    spec.headers = {{"Accept", "application/json"}};
    auto compiled = http::RequestTemplate::compile(spec, scope_of({}));
    REQUIRE(compiled.ok());
    CHECK(compiled.value().is_constant());
    CHECK(compiled.value().constant_bytes() == serialize_request(spec).value());
}

TEST_CASE("rendering with variables gives the bytes serialize_request gives for the values") {
    auto spec =
        spec_of("POST", "/users/{{id}}/orders", "{\"user\":\"{{id}}\",\"t\":\"{{token}}\"}");
    spec.headers = {{"Accept", "application/json"},
                    {"Authorization", "Bearer {{token}}"},
                    {"X-Trace", "fixed"}};
    spec.keep_alive = false;
    auto compiled = http::RequestTemplate::compile(spec, scope_of({"id", "token"}));
    REQUIRE(compiled.ok());
    REQUIRE_FALSE(compiled.value().is_constant());
    http::TemplateContext context(1, 2);
    context.set_variable(0, "42");
    context.set_variable(1, "abc.def");
    std::string out;
    std::string scratch;
    compiled.value().render(context, out, scratch);

    auto expected = spec_of("POST", "/users/42/orders", "{\"user\":\"42\",\"t\":\"abc.def\"}");
    expected.headers = {
        {"Accept", "application/json"}, {"Authorization", "Bearer abc.def"}, {"X-Trace", "fixed"}};
    expected.keep_alive = false;
    CHECK(out == serialize_request(expected).value());

    // A second render reuses the buffers and follows the new values.
    context.set_variable(0, "7");
    compiled.value().render(context, out, scratch);
    expected.path = "/users/7/orders";
    expected.body = "{\"user\":\"7\",\"t\":\"abc.def\"}";
    CHECK(out == serialize_request(expected).value());
}

TEST_CASE("a GET with a templated path has no Content-Length") {
    auto compiled = http::RequestTemplate::compile(spec_of("GET", "/item/{{seq 5}}"), scope_of({}));
    REQUIRE(compiled.ok());
    http::TemplateContext context(1, 0);
    std::string out;
    std::string scratch;
    compiled.value().render(context, out, scratch);
    CHECK(out.rfind("GET /item/5 HTTP/1.1\r\n", 0) == 0);
    CHECK(out.find("Content-Length") == std::string::npos);
    compiled.value().render(context, out, scratch);
    CHECK(out.rfind("GET /item/6 HTTP/1.1\r\n", 0) == 0);
}

TEST_CASE("captured values cannot break the framing") {
    auto spec = spec_of("GET", "/search?q={{q}}");
    spec.headers = {{"X-User", "{{q}}"}};
    auto compiled = http::RequestTemplate::compile(spec, scope_of({"q"}));
    REQUIRE(compiled.ok());
    http::TemplateContext context(1, 1);
    context.set_variable(0, "a b\r\nEvil: 1");
    std::string out;
    std::string scratch;
    compiled.value().render(context, out, scratch);
    CHECK(out.rfind("GET /search?q=a%20b%0D%0AEvil:%201 HTTP/1.1\r\n", 0) == 0);
    CHECK(out.find("X-User: a b  Evil: 1\r\n") != std::string::npos);
    CHECK(out.find("\r\nEvil") == std::string::npos);
}

TEST_CASE("errors name the part of the request and the template problem") {
    auto bad_path =
        http::RequestTemplate::compile(spec_of("GET", "/x/{{tokn}}"), scope_of({"token"}));
    REQUIRE_FALSE(bad_path.ok());
    CHECK(bad_path.error().message.rfind("path: ", 0) == 0);
    CHECK(bad_path.error().message.find("tokn") != std::string::npos);

    auto spec = spec_of("GET", "/");
    spec.headers = {{"Authorization", "Bearer {{token"}};
    auto bad_header = http::RequestTemplate::compile(spec, scope_of({"token"}));
    REQUIRE_FALSE(bad_header.ok());
    CHECK(bad_header.error().message.rfind("header 'Authorization': ", 0) == 0);

    auto bad_method = http::RequestTemplate::compile(spec_of("G ET", "/{{seq}}"), scope_of({}));
    REQUIRE_FALSE(bad_method.ok());
    CHECK(bad_method.error().message.find("method") != std::string::npos);
}

TEST_CASE("a templated body with a user Content-Length is refused") {
    auto spec = spec_of("POST", "/", "{{uuid}}");
    spec.headers = {{"Content-Length", "36"}};
    auto compiled = http::RequestTemplate::compile(spec, scope_of({}));
    REQUIRE_FALSE(compiled.ok());
    CHECK(compiled.error().message.find("Content-Length") != std::string::npos);
}

TEST_CASE("a verbatim body is sent byte for byte, '{{' and all, and shared, not copied") {
    // 14 bytes, two of them NUL (one at the end).
    const auto bytes = std::make_shared<const std::string>(std::string("{{bogus}}\0\xff{{\0", 14));
    auto spec = spec_of("POST", "/upload");
    spec.body_verbatim = bytes;
    auto compiled = http::RequestTemplate::compile(spec, scope_of({}));
    REQUIRE(compiled.ok());
    REQUIRE(compiled.value().is_constant());
    const std::string_view sent = compiled.value().constant_bytes();
    CHECK(sent.find("Content-Length: 14\r\n") != std::string_view::npos);
    CHECK(sent.substr(sent.size() - 14) == *bytes);

    // With a templated path the body is appended from the shared bytes.
    auto templated = spec_of("PUT", "/upload/{{seq}}");
    templated.body_verbatim = bytes;
    auto rendered = http::RequestTemplate::compile(templated, scope_of({}));
    REQUIRE(rendered.ok());
    REQUIRE_FALSE(rendered.value().is_constant());
    CHECK(bytes.use_count() == 4);  // bytes, both specs and the templated request: no copy
    http::TemplateContext context(1, 0);
    std::string out;
    std::string scratch;
    CHECK(rendered.value().render(context, out, scratch));
    CHECK(out.rfind("PUT /upload/0 HTTP/1.1\r\n", 0) == 0);
    CHECK(out.find("Content-Length: 14\r\n") != std::string::npos);
    CHECK(out.substr(out.size() - 14) == *bytes);
}

TEST_CASE("a request rendering past 64 MiB stops there and reports it") {
    // 8 MiB values repeated 9 times: 72 MiB of body.
    std::string body;
    for (int i = 0; i < 9; ++i) {
        body += "{{cell}}";
    }
    auto compiled = http::RequestTemplate::compile(spec_of("POST", "/x", body), scope_of({"cell"}));
    REQUIRE(compiled.ok());
    http::TemplateContext context(1, 1);
    const std::string cell(8 << 20, 'c');
    context.set_variable(0, cell);
    std::string out;
    std::string scratch;
    CHECK_FALSE(compiled.value().render(context, out, scratch));
    // It stopped at the limit: at most one value beyond it was rendered.
    CHECK(scratch.size() <= http::RequestTemplate::rendered_bytes_max + cell.size());
    CHECK(out.size() < 1024);

    // 7 repeats (56 MiB) fit; the same buffers serve the next request.
    std::string fits;
    for (int i = 0; i < 7; ++i) {
        fits += "{{cell}}";
    }
    auto smaller = http::RequestTemplate::compile(spec_of("POST", "/x", fits), scope_of({"cell"}));
    REQUIRE(smaller.ok());
    CHECK(smaller.value().render(context, out, scratch));
    CHECK(out.size() > 7 * cell.size());

    // A header value is capped the same way.
    auto spec = spec_of("GET", "/x");
    spec.headers = {{"X-Big", body}};
    auto header = http::RequestTemplate::compile(spec, scope_of({"cell"}));
    REQUIRE(header.ok());
    CHECK_FALSE(header.value().render(context, out, scratch));
    CHECK(out.size() <= http::RequestTemplate::rendered_bytes_max + cell.size() + 1024);
}

// ---------------------------------------------------------------- forms

namespace {

std::string render_body(const http::FormBody& form, const http::TemplateScope& scope,
                        http::TemplateContext& context) {
    auto spec = spec_of("POST", "/upload", form.body_template);
    spec.body_form_urlencoded = form.urlencoded;
    auto compiled = http::RequestTemplate::compile(spec, scope);
    REQUIRE_MESSAGE(compiled.ok(), compiled.error().message);
    std::string out;
    std::string scratch;
    if (compiled.value().is_constant()) {
        out = compiled.value().constant_bytes();
    } else {
        REQUIRE(compiled.value().render(context, out, scratch));
    }
    return out.substr(out.find("\r\n\r\n") + 4);
}

}  // namespace

TEST_CASE("a form without files is urlencoded: literal text at build time, values when rendered") {
    auto form = http::build_form_body({{"user name", "a&b=c {{user}}!"}, {"n", "{{seq 7}}"}}, {});
    REQUIRE(form.ok());
    CHECK(form.value().content_type == "application/x-www-form-urlencoded");
    CHECK(form.value().urlencoded);
    CHECK(form.value().body_template == "user+name=a%26b%3Dc+{{user}}%21&n={{seq 7}}");
    const auto scope = scope_of({"user"});
    http::TemplateContext context(1, 1);
    context.set_variable(0, "x+y z&{{é");
    CHECK(render_body(form.value(), scope, context) ==
          "user+name=a%26b%3Dc+x%2By+z%26%7B%7B%C3%A9%21&n=7");
    auto constant = http::build_form_body({{"a", "{{{{1}}"}}, {});
    REQUIRE(constant.ok());
    CHECK(render_body(constant.value(), scope, context) == "a=%7B%7B1%7D%7D");
}

TEST_CASE("a form with files is multipart: each field and file a part, files byte for byte") {
    const std::string png("\x89PNG\r\n{{not a template}}\0end", 28);
    auto form = http::build_form_body({{"title", "t-{{int 5 5}}"}, {"q\"x", "v"}},
                                      {{"upload", "a.png", "image/png", png}});
    REQUIRE_MESSAGE(form.ok(), form.error().message);
    CHECK_FALSE(form.value().urlencoded);
    const std::string& type = form.value().content_type;
    REQUIRE(type.starts_with("multipart/form-data; boundary=----barrage"));
    const std::string boundary = type.substr(type.find('=') + 1);
    CHECK(boundary.size() == 27);
    http::TemplateContext context(1, 0);
    const std::string body = render_body(form.value(), scope_of({}), context);
    CHECK(body ==
          "--" + boundary + "\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nt-5\r\n--" +
              boundary + "\r\nContent-Disposition: form-data; name=\"q%22x\"\r\n\r\nv\r\n--" +
              boundary +
              "\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"a.png\"\r\n"
              "Content-Type: image/png\r\n\r\n" +
              png + "\r\n--" + boundary + "--\r\n");
}

TEST_CASE("the boundary is the same for the same parts, and bad forms are refused") {
    auto first = http::build_form_body({}, {{"f", "", "text/plain", "x"}});
    auto again = http::build_form_body({}, {{"f", "", "text/plain", "x"}});
    auto other = http::build_form_body({}, {{"f", "", "text/plain", "y"}});
    REQUIRE(first.ok());
    CHECK(again.value().content_type == first.value().content_type);  // reproducible runs
    CHECK(other.value().content_type != first.value().content_type);
    CHECK(http::build_form_body({}, {{"", "", "text/plain", "x"}}).error().message ==
          "a file has an empty field name");
    CHECK(http::build_form_body({{"", "v"}}, {}).error().message ==
          "a form field has an empty name");
    CHECK(http::build_form_body({{"a", "{{x"}}, {})
              .error()
              .message.starts_with("form field 'a': unclosed placeholder at offset 0"));
    CHECK(http::escape_template_text("a{{b{{{c") == "a{{{{b{{{{{c");
}
