#pragma once
// Form bodies built from fields and files (a profile's `form` and `files`):
// multipart/form-data (RFC 7578) when there are files, else
// application/x-www-form-urlencoded. Built once, before the run, into the
// template text of a request body and its Content-Type; field values stay
// templates, file contents are sent as they are.

#include <string>
#include <vector>

#include "barrage/base/result.h"

namespace barrage::http {

struct FormField {
    std::string name;   // sent as written (escaped in multipart, percent-encoded in urlencoded)
    std::string value;  // template text
};

struct FormFile {
    std::string field;         // the form field's name
    std::string filename;      // sent in Content-Disposition; "" = none
    std::string content_type;  // the part's Content-Type
    std::string content;       // the file's bytes, never read as a template
};

struct FormBody {
    std::string content_type;   // "multipart/form-data; boundary=..." or the urlencoded type
    std::string body_template;  // template text: the values' placeholders, every other byte literal
    // True for a urlencoded body: rendered values must be percent-encoded
    // (Template::compile with TemplateEncoding::form_urlencoded).
    bool urlencoded = false;
};

// Builds the body. The multipart boundary is derived from the parts and
// differs from every byte run of their literal text and file contents; a
// rendered value could still hold it, with odds of 2^-64 per value.
// Errors: a field or file without a name, a value that is not a valid template
// ("unclosed placeholder ..."), more than form_parts_max parts.
base::Result<FormBody> build_form_body(const std::vector<FormField>& fields,
                                       const std::vector<FormFile>& files);

inline constexpr std::size_t form_parts_max = 1000;

// Percent-encodes `text` as application/x-www-form-urlencoded does: letters,
// digits and *-._ stay, a space becomes '+', every other byte %XX.
void append_form_urlencoded(std::string& out, std::string_view text);

// `bytes` as template text that renders exactly `bytes` ("{{" doubled).
std::string escape_template_text(std::string_view bytes);

}  // namespace barrage::http
