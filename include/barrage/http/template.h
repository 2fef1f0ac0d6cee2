#pragma once
// Request templates: text with {{ ... }} placeholders, parsed once into a list
// of literal pieces and value generators, then rendered per request without
// looking at the template text again.
//
// Placeholder syntax (documented for users in docs/templates.md):
//   {{name}}                  a session variable (captured earlier) or a data-file column
//   {{int A B}}               random integer in [A, B]
//   {{float A B}}             random real in [A, B)  (printed with up to 6 decimals)
//   {{choice a b "c d"}}      one of the words, uniformly
//   {{seq}} / {{seq START}}   per-worker request counter: START, START+1, ... (START 0)
//   {{uuid}}                  random version-4 UUID
//   {{now}} / {{now_ms}}      Unix time in seconds / milliseconds
//   {{set NAME = GEN ...}}    renders the generator GEN and stores the text in the
//                             variable NAME; {{set NAME ?= GEN ...}} only while NAME
//                             has no value (then renders NAME)
// A literal "{{" is written "{{{{". Generator names are reserved: a variable
// cannot be called int, float, choice, seq, uuid, now, now_ms or set.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "barrage/base/result.h"

namespace barrage::http {

// xoshiro256** seeded through splitmix64: fast, small, and the same sequence
// for the same seed on every platform (reproducible runs with --seed).
class Rng {
public:
    explicit Rng(uint64_t seed);

    uint64_t next();
    // Uniform in [min, max] without modulo bias. Requires min <= max.
    int64_t uniform_int(int64_t min, int64_t max);
    // Uniform in [0, bound). Requires bound > 0.
    uint64_t below(uint64_t bound);
    // Uniform in [0, 1) with 53 random bits.
    double unit();

private:
    uint64_t state_[4];
};

// Names a template may refer to with {{name}}: session captures and data-file
// columns. Anything else is an error at compile time, not at run time.
struct TemplateScope {
    std::vector<std::string> variables;

    // Index of `name` in variables, or -1.
    int index_of(std::string_view name) const;
};

// True when `name` can be a template variable: 1 to 64 letters, digits, '_',
// '-' or '.', and not a generator name.
bool is_variable_name(std::string_view name);

// Per-worker (per virtual user, in closed loop) state a render needs: its
// random generator, the request counter behind {{seq}}, the current time and
// the session's variable values, indexed like TemplateScope::variables.
class TemplateContext {
public:
    // seed: the run's --seed mixed with the worker index by the caller.
    // sequence_first / sequence_stride: {{seq}} counts sequence_first,
    // sequence_first + stride, ... so that workers (first = worker index,
    // stride = worker count) never repeat each other's numbers.
    TemplateContext(uint64_t seed, std::size_t variable_count, uint64_t sequence_first = 0,
                    uint64_t sequence_stride = 1);

    // Unix time for {{now}}; the caller sets it (time is an input).
    int64_t now_unix_ns = 0;

    Rng& rng() { return rng_; }

    // Advances {{seq}}: call once per request before rendering its parts, so
    // that every {{seq}} in one request's path, headers and body agree.
    void begin_request();
    uint64_t sequence() const { return sequence_; }

    // Sets a variable to a copy of `value` (a capture).
    void set_variable(std::size_t index, std::string_view value);
    // Points a variable at `value` without copying (a data-file cell); the
    // caller keeps the text alive while it is bound.
    void bind_variable(std::size_t index, std::string_view value);
    // Unsets every variable (a new session).
    void clear_variables();
    bool has_variable(std::size_t index) const;
    std::string_view variable(std::size_t index) const;
    std::size_t variable_count() const { return values_.size(); }

    // How many times a render met an unset variable (it renders as empty).
    int64_t unset_variable_renders() const { return unset_variable_renders_; }

private:
    friend class Template;

    Rng rng_;
    uint64_t sequence_;
    uint64_t sequence_stride_;
    bool sequence_started_ = false;
    std::vector<std::string_view> values_;  // data() == nullptr: unset
    std::vector<std::string> storage_;      // copies made by set_variable
    int64_t unset_variable_renders_ = 0;
};

// How a placeholder's rendered text is written: as it is, or percent-encoded
// for an application/x-www-form-urlencoded body (literal text is left alone:
// the form builder encoded it already).
enum class TemplateEncoding : uint8_t { none, form_urlencoded };

// A template's text as compile() reads it: literal runs (a "{{{{" read as
// "{{") and placeholders (their whole "{{...}}" source).
struct TemplateSegment {
    bool placeholder = false;
    std::string text;
};

class Template {
public:
    // Errors name the offending placeholder and its byte offset in `text`,
    // e.g. "unknown variable 'tokn' at offset 22 (known: token, user_id)".
    static base::Result<Template> compile(std::string_view text, const TemplateScope& scope,
                                          TemplateEncoding encoding = TemplateEncoding::none);

    // Splits `text` into segments; the error of an unclosed placeholder.
    static base::Result<std::vector<TemplateSegment>> segments(std::string_view text);

    // The variables `text` sets with {{set NAME = ...}}, in order of first
    // appearance, each once. compile() needs them in the scope: the caller
    // declares them first (the profile loader, beside captures). Malformed
    // placeholders are skipped here and reported by compile().
    static std::vector<std::string> variables_set(std::string_view text);

    // True when there are no placeholders: the text can be pre-serialized once.
    bool is_constant() const;
    // The text with "{{{{" unescaped; meaningful when is_constant().
    std::string_view constant_text() const;
    // Indices (into the scope's variables) of the variables the text uses.
    const std::vector<std::size_t>& variables_used() const;

    // Appends the rendered text to `out`. No allocation beyond out's growth.
    // Stops, returning false, once `out` holds more than out_bytes_max bytes
    // (it then ends with part of the text); true when the whole text fit.
    bool render(TemplateContext& context, std::string& out,
                std::size_t out_bytes_max = SIZE_MAX) const;

    ~Template();
    Template(Template&&) noexcept;
    Template& operator=(Template&&) noexcept;

    struct Compiled;  // opaque: pieces and text, defined in template.cc

private:
    explicit Template(std::unique_ptr<Compiled> compiled);
    std::unique_ptr<Compiled> compiled_;
};

}  // namespace barrage::http
