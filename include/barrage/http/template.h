#pragma once
// Request templates: text with {{ ... }} placeholders, parsed once into a list
// of literal pieces and value generators, then rendered per request without
// looking at the template text again.
//
// Placeholder syntax (documented for users in docs/profiles.md):
//   {{name}}                  a session variable (captured earlier) or a data-file column
//   {{int A B}}               random integer in [A, B]
//   {{float A B}}             random real in [A, B)  (printed with up to 6 decimals)
//   {{choice a b "c d"}}      one of the words, uniformly
//   {{seq}} / {{seq START}}   per-worker counter: START, START+1, ...
//   {{uuid}}                  random version-4 UUID
//   {{now}} / {{now_ms}}      Unix time in seconds / milliseconds
// A literal "{{" is written "{{{{".

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "barrage/base/result.h"

namespace barrage::http {

// Names a template may refer to with {{name}}: session captures and data-file
// columns. Anything else is an error at compile time, not at run time.
struct TemplateScope {
    std::vector<std::string> variables;
};

// Per-worker state a render needs: its random generator, its counters and
// the current session's variable values (indexed like TemplateScope::variables).
class TemplateContext;

class Template {
public:
    // Errors name the offending placeholder and its byte offset in `text`,
    // e.g. "unknown variable 'tokn' at offset 22 (known: token, user_id)".
    static base::Result<Template> compile(std::string_view text, const TemplateScope& scope);

    // True when there are no placeholders: the text can be pre-serialized once.
    bool is_constant() const;
    // Appends the rendered text to `out`. No allocation beyond out's growth.
    void render(TemplateContext& context, std::string& out) const;

    ~Template();
    Template(Template&&) noexcept;
    Template& operator=(Template&&) noexcept;

private:
    struct Compiled;
    explicit Template(std::unique_ptr<Compiled> compiled);
    std::unique_ptr<Compiled> compiled_;
};

}  // namespace barrage::http
