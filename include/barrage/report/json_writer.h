#pragma once
// A small streaming JSON writer with correct string escaping. Output is
// pretty-printed with two-space indentation; an array of scalars that fits in
// 100 columns is written on one line ([0, 1, 2]). Misuse (a value where a key
// is expected, unbalanced end_*) is an assertion failure.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace barrage::report {

class JsonWriter {
public:
    void begin_object();
    void end_object();
    void begin_array();
    void end_array();
    void key(std::string_view name);
    void value(std::string_view text);
    void value(const char* text) { value(std::string_view(text)); }
    void value(int64_t number);
    void value(int number) { value(static_cast<int64_t>(number)); }
    void value(double number);  // non-finite numbers are written as null
    void value(bool flag);
    void null();
    // A value that is already a whole JSON document (a run's, inside a suite's),
    // re-indented to its depth; a trailing newline is dropped. Not parsed: the
    // caller passes what format_json or this writer wrote.
    void document(std::string_view json);

    // The document; asserts that every object/array was closed.
    const std::string& text() const;

private:
    void before_value();
    void begin_container(char open);
    void end_container(char open, char close);
    void start_line_for_element();
    bool collapse_scalar_array();
    std::string out_;
    std::vector<char> stack_;  // '{' or '['
    std::vector<bool> first_;
    std::vector<std::size_t> open_at_;   // offset of each open container's bracket
    std::vector<bool> holds_container_;  // whether it holds an object or array
    bool expect_value_ = false;
};

// Escapes `text` as a JSON string literal including the quotes.
std::string json_quote(std::string_view text);

}  // namespace barrage::report
