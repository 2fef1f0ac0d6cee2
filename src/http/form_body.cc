// Form bodies: multipart/form-data or urlencoded, built once into template text.

#include "barrage/http/form_body.h"

#include <fmt/format.h>

#include <cstdint>

#include "barrage/base/excerpt.h"
#include "barrage/http/template.h"
#include "http_impl.h"

namespace barrage::http {
namespace {

constexpr std::string_view kUrlencoded = "application/x-www-form-urlencoded";

// FNV-1a: a boundary that depends on the parts, so a run is reproducible.
uint64_t fnv1a(uint64_t hash, std::string_view bytes) {
    for (const char c : bytes) {
        hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
    }
    return hash;
}

bool appears_in(std::string_view boundary, const std::vector<FormField>& fields,
                const std::vector<FormFile>& files) {
    for (const FormField& field : fields) {
        if (field.value.find(boundary) != std::string::npos) {
            return true;
        }
    }
    for (const FormFile& file : files) {
        if (file.content.find(boundary) != std::string::npos) {
            return true;
        }
    }
    return false;
}

std::string make_boundary(const std::vector<FormField>& fields,
                          const std::vector<FormFile>& files) {
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (const FormField& field : fields) {
        hash = fnv1a(fnv1a(hash, field.name), field.value);
    }
    for (const FormFile& file : files) {
        hash = fnv1a(fnv1a(hash, file.field), file.content);
    }
    std::string boundary;
    do {  // a part holding the boundary is all but impossible; then the next hash
        boundary = fmt::format("----barrage{:016x}", hash);
        hash = fnv1a(hash, boundary);
    } while (appears_in(boundary, fields, files));
    return boundary;
}

// A name or filename in a Content-Disposition quoted string, as browsers
// write it (WHATWG HTML): '"' as %22, CR as %0D, LF as %0A.
std::string quoted(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        out += c == '"' ? "%22" : c == '\r' ? "%0D" : c == '\n' ? "%0A" : std::string(1, c);
    }
    return out + "\"";
}

std::string part_head(std::string_view boundary, std::string_view name, const FormFile* file) {
    std::string head =
        fmt::format("--{}\r\nContent-Disposition: form-data; name={}", boundary, quoted(name));
    if (file != nullptr) {
        if (!file->filename.empty()) {
            head += "; filename=" + quoted(file->filename);
        }
        head += "\r\nContent-Type: " + file->content_type;
    }
    return escape_template_text(head + "\r\n\r\n");
}

FormBody multipart(const std::vector<FormField>& fields, const std::vector<FormFile>& files) {
    const std::string boundary = make_boundary(fields, files);
    FormBody body;
    body.content_type = "multipart/form-data; boundary=" + boundary;
    for (const FormField& field : fields) {
        body.body_template += part_head(boundary, field.name, nullptr) + field.value + "\r\n";
    }
    for (const FormFile& file : files) {
        body.body_template +=
            part_head(boundary, file.field, &file) + escape_template_text(file.content) + "\r\n";
    }
    body.body_template += "--" + boundary + "--\r\n";
    return body;
}

base::Result<FormBody> urlencoded(const std::vector<FormField>& fields) {
    FormBody body;
    body.content_type = kUrlencoded;
    body.urlencoded = true;
    for (const FormField& field : fields) {
        auto segments = Template::segments(field.value);
        if (!segments) {
            return base::make_error(fmt::format("form field '{}': {}", base::excerpt(field.name),
                                                segments.error().message));
        }
        if (!body.body_template.empty()) {
            body.body_template += '&';
        }
        append_form_urlencoded(body.body_template, field.name);
        body.body_template += '=';
        for (const TemplateSegment& segment : segments.value()) {
            if (segment.placeholder) {
                body.body_template += segment.text;  // encoded when rendered
            } else {
                append_form_urlencoded(body.body_template, segment.text);  // no '{' is left
            }
        }
    }
    return body;
}

}  // namespace

void append_form_urlencoded(std::string& out, std::string_view text) {
    const std::size_t from = out.size();
    out.append(text);
    detail::form_urlencode_tail(out, from);
}

std::string escape_template_text(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    std::size_t pos = 0;
    for (std::size_t open; (open = bytes.find("{{", pos)) != std::string_view::npos;
         pos = open + 2) {
        out.append(bytes.substr(pos, open - pos)).append("{{{{");
    }
    return out.append(bytes.substr(pos));
}

base::Result<FormBody> build_form_body(const std::vector<FormField>& fields,
                                       const std::vector<FormFile>& files) {
    if (fields.size() + files.size() > form_parts_max) {
        return base::make_error(fmt::format("{} form parts; at most {} are allowed",
                                            fields.size() + files.size(), form_parts_max));
    }
    for (const FormField& field : fields) {
        if (field.name.empty()) {
            return base::make_error("a form field has an empty name");
        }
    }
    for (const FormFile& file : files) {
        if (file.field.empty()) {
            return base::make_error("a file has an empty field name");
        }
        if (file.content_type.find_first_of("\r\n") != std::string::npos) {
            return base::make_error("the type of file '" + base::excerpt(file.filename) +
                                    "' has a line break");
        }
    }
    if (files.empty()) {
        return urlencoded(fields);
    }
    for (const FormField& field : fields) {  // multipart values are templates as they stand
        if (auto segments = Template::segments(field.value); !segments) {
            return base::make_error(fmt::format("form field '{}': {}", base::excerpt(field.name),
                                                segments.error().message));
        }
    }
    return multipart(fields, files);
}

}  // namespace barrage::http
