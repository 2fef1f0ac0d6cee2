#include "roff.h"

namespace barrage::docgen {

std::string roff_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 8);
    for (const char c : text) {
        if (c == '\\') {
            out += "\\e";
        } else if (c == '-') {
            out += "\\-";
        } else {
            out += c;
        }
    }
    if (!out.empty() && (out.front() == '.' || out.front() == '\'')) {
        out.insert(0, "\\&");
    }
    return out;
}

std::string roff_bold(std::string_view text) { return "\\fB" + roff_escape(text) + "\\fR"; }

std::string roff_italic(std::string_view text) { return "\\fI" + roff_escape(text) + "\\fR"; }

}  // namespace barrage::docgen
