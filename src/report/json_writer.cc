#include "barrage/report/json_writer.h"

#include <fmt/format.h>

#include <cmath>
#include <iterator>

#include "barrage/base/assert.h"
#include "barrage/base/utf8.h"

namespace barrage::report {
namespace {

constexpr std::size_t indent_width = 2;
// A scalar array is written on one line only if that line stays this short.
constexpr std::size_t collapsed_line_chars_max = 100;

void append_quoted(std::string& out, std::string_view text) {
    out += '"';
    std::size_t at = 0;
    while (at < text.size()) {
        const auto c = static_cast<unsigned char>(text[at]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20) {
            fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
        } else if (c >= 0x80) {
            const std::size_t length = base::decode_utf8(text, at).length;
            if (length == 0) {
                out += "\\ufffd";  // one replacement per invalid byte
            } else {
                out.append(text.substr(at, length));
                at += length;
                continue;
            }
        } else {
            out += static_cast<char>(c);
        }
        ++at;
    }
    out += '"';
}

}  // namespace

std::string json_quote(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    append_quoted(out, text);
    return out;
}

void JsonWriter::begin_object() { begin_container('{'); }

void JsonWriter::end_object() { end_container('{', '}'); }

void JsonWriter::begin_array() { begin_container('['); }

void JsonWriter::end_array() { end_container('[', ']'); }

void JsonWriter::key(std::string_view name) {
    BARRAGE_ASSERT_MSG(!stack_.empty() && stack_.back() == '{', "JSON key outside an object");
    BARRAGE_ASSERT_MSG(!expect_value_, "JSON key where a value is expected");
    start_line_for_element();
    append_quoted(out_, name);
    out_ += ": ";
    expect_value_ = true;
}

void JsonWriter::value(std::string_view text) {
    before_value();
    append_quoted(out_, text);
}

void JsonWriter::value(int64_t number) {
    before_value();
    fmt::format_to(std::back_inserter(out_), "{}", number);
}

void JsonWriter::value(double number) {
    if (!std::isfinite(number)) {
        null();  // JSON has no NaN or infinity
        return;
    }
    before_value();
    // Shortest text that reads back as the same double; always valid JSON.
    fmt::format_to(std::back_inserter(out_), "{}", number);
}

void JsonWriter::value(bool flag) {
    before_value();
    out_ += flag ? "true" : "false";
}

void JsonWriter::null() {
    before_value();
    out_ += "null";
}

void JsonWriter::document(std::string_view json) {
    while (!json.empty() && (json.back() == '\n' || json.back() == ' ')) {
        json.remove_suffix(1);
    }
    BARRAGE_ASSERT_MSG(!json.empty(), "an empty JSON document as a value");
    before_value();
    if (!holds_container_.empty()) {
        holds_container_.back() = true;  // never collapsed onto one line
    }
    // Escaped strings hold no raw newline: each one is layout, indented anew.
    const std::string indent(stack_.size() * indent_width, ' ');
    for (const char c : json) {
        out_ += c;
        if (c == '\n') {
            out_ += indent;
        }
    }
}

const std::string& JsonWriter::text() const {
    BARRAGE_ASSERT_MSG(stack_.empty() && !expect_value_, "JSON document not closed");
    BARRAGE_ASSERT_MSG(!out_.empty(), "JSON document is empty");
    return out_;
}

void JsonWriter::before_value() {
    if (stack_.empty()) {
        BARRAGE_ASSERT_MSG(out_.empty(), "second top-level JSON value");
        return;
    }
    if (stack_.back() == '{') {
        BARRAGE_ASSERT_MSG(expect_value_, "JSON value in an object without a key");
        expect_value_ = false;
        return;
    }
    start_line_for_element();
}

void JsonWriter::begin_container(char open) {
    before_value();
    if (!holds_container_.empty()) {
        holds_container_.back() = true;
    }
    open_at_.push_back(out_.size());
    out_ += open;
    stack_.push_back(open);
    first_.push_back(true);
    holds_container_.push_back(false);
}

void JsonWriter::end_container(char open, char close) {
    BARRAGE_ASSERT_MSG(!stack_.empty() && stack_.back() == open, "unbalanced JSON end");
    BARRAGE_ASSERT_MSG(!expect_value_, "JSON key without a value");
    const bool empty = first_.back();
    const bool collapsed = !empty && open == '[' && collapse_scalar_array();
    stack_.pop_back();
    first_.pop_back();
    open_at_.pop_back();
    holds_container_.pop_back();
    if (!empty && !collapsed) {
        out_ += '\n';
        out_.append(stack_.size() * indent_width, ' ');
    }
    out_ += close;
}

// Comma after the previous element, then a new line at the current depth.
void JsonWriter::start_line_for_element() {
    if (!first_.back()) {
        out_ += ',';
    }
    first_.back() = false;
    out_ += '\n';
    out_.append(stack_.size() * indent_width, ' ');
}

// Rewrites the open array "[\n  1,\n  2" as "[1, 2" when it holds only scalars
// and is short. Escaped strings never contain a raw newline, so every newline
// in the array is layout and the spaces after it are indentation.
bool JsonWriter::collapse_scalar_array() {
    if (holds_container_.back()) {
        return false;
    }
    const std::size_t open = open_at_.back();
    std::string compact;
    for (std::size_t i = open + 1; i < out_.size(); ++i) {
        if (out_[i] != '\n') {
            compact += out_[i];
            continue;
        }
        while (i + 1 < out_.size() && out_[i + 1] == ' ') {
            ++i;
        }
        if (!compact.empty()) {
            compact += ' ';  // after the comma between elements
        }
    }
    const std::size_t line_start = out_.rfind('\n', open);
    const std::size_t prefix_chars = line_start == std::string::npos ? open : open - line_start - 1;
    if (prefix_chars + compact.size() + 3 > collapsed_line_chars_max) {  // "[", "]" and ","
        return false;
    }
    out_.resize(open + 1);
    out_ += compact;
    return true;
}

}  // namespace barrage::report
