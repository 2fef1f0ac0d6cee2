#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <iterator>

#include "ascii_document_impl.h"
#include "barrage/base/utf8.h"

namespace barrage::profile::detail {

namespace {

constexpr std::size_t npos = std::string_view::npos;

bool is_ascii(char c) { return static_cast<unsigned char>(c) < 0x80; }

// TOML strings start at a value or key position: after '=', '[', '{', ',',
// whitespace, or at the start; after '.' only in a dotted key (not after a
// number's point: `7.'x` is one bare run to toml++). A quote right after any
// other character (`1x"...`) starts none; the document is invalid either way,
// and what follows is then outside strings.
bool string_may_start(std::string_view text, std::size_t quote) {
    if (quote == 0) {
        return true;
    }
    const char before = text[quote - 1];
    if (before == '.') {
        return quote < 2 || std::isdigit(static_cast<unsigned char>(text[quote - 2])) == 0;
    }
    return before == '=' || before == '[' || before == '{' || before == ',' || before == ' ' ||
           before == '\t' || before == '\n' || before == '\r';
}

void append_escape(std::string& out, uint32_t code_point) {
    if (code_point <= 0xFFFF) {
        fmt::format_to(std::back_inserter(out), "\\u{:04X}", code_point);
    } else {
        fmt::format_to(std::back_inserter(out), "\\U{:08X}", code_point);
    }
}

// Where a literal string opened at `open` (its delimiter `delimiter_len`
// quotes long) ends: the offset of its closing quotes and their count (a
// multi-line one may end in up to two quotes of content), or npos when it
// does not end (a single-line one at the line break).
struct LiteralEnd {
    std::size_t at = npos;
    std::size_t quotes = 0;
};

LiteralEnd find_literal_end(std::string_view text, std::size_t open, std::size_t delimiter_len) {
    const std::size_t from = open + delimiter_len;
    if (delimiter_len == 1) {
        const std::size_t end = text.find_first_of("'\n", from);
        return end != npos && text[end] == '\'' ? LiteralEnd{end, 1} : LiteralEnd{};
    }
    const std::size_t end = text.find("'''", from);
    if (end == npos) {
        return {};
    }
    std::size_t quotes = 3;
    while (quotes < 5 && end + quotes < text.size() && text[end + quotes] == '\'') {
        ++quotes;
    }
    return {end, quotes};
}

class Converter {
public:
    explicit Converter(std::string_view text) : text_(text) { out_.reserve(text.size()); }

    AsciiDocument run() {
        std::size_t i = 0;
        while (i < text_.size() && !refused()) {
            switch (in_) {
                case In::code:
                    i = code(i);
                    break;
                case In::comment:
                    i = comment(i);
                    break;
                case In::basic:
                case In::multi_basic:
                    i = basic(i);
                    break;
            }
        }
        if (refused()) {
            return AsciiDocument{{}, refused_at_, reason_};
        }
        return AsciiDocument{std::move(out_), npos, {}};
    }

private:
    enum class In { code, comment, basic, multi_basic };

    bool refused() const { return refused_at_ != npos; }
    void refuse(std::size_t at, std::string_view reason) {
        refused_at_ = at;
        reason_ = reason;
    }

    // The character at i; length 0 (and the document refused) when it is not UTF-8.
    base::Utf8Char char_at(std::size_t i) {
        const base::Utf8Char cp = base::decode_utf8(text_, i);
        if (cp.length == 0) {
            refuse(i, "invalid UTF-8; expected UTF-8 text");
        }
        return cp;
    }

    // Copies the non-ASCII character at i as its escape; returns the next offset.
    std::size_t escape_at(std::size_t i) {
        const base::Utf8Char cp = char_at(i);
        if (cp.length > 0) {
            append_escape(out_, cp.code_point);
        }
        return i + cp.length;
    }

    std::size_t code(std::size_t i) {
        const char c = text_[i];
        const std::string_view rest = text_.substr(i);
        if (!is_ascii(c)) {
            refuse(i,
                   "a non-ASCII character outside a string or comment; expected ASCII keys "
                   "and values (quote text)");
            return i;
        }
        if (c == '#') {
            in_ = In::comment;
        } else if ((c == '"' || c == '\'') && string_may_start(text_, i)) {
            if (c == '\'') {
                return literal(i, rest.starts_with("'''") ? 3 : 1);
            }
            const std::size_t len = rest.starts_with("\"\"\"") ? 3 : 1;
            in_ = len == 3 ? In::multi_basic : In::basic;
            out_.append(rest.substr(0, len));
            return i + len;
        }
        out_.push_back(c);
        return i + 1;
    }

    std::size_t comment(std::size_t i) {
        const char c = text_[i];
        if (is_ascii(c)) {
            in_ = c == '\n' ? In::code : In::comment;
            out_.push_back(c);
            return i + 1;
        }
        const base::Utf8Char cp = char_at(i);
        if (cp.length > 0) {
            out_.push_back('?');  // ignored by TOML; one character keeps the columns
        }
        return i + cp.length;
    }

    std::size_t basic(std::size_t i) {
        const char c = text_[i];
        const std::string_view rest = text_.substr(i);
        if (!is_ascii(c)) {
            return escape_at(i);
        }
        if (c == '\\') {
            if (i + 1 < text_.size() && !is_ascii(text_[i + 1])) {
                refuse(i + 1,
                       "a non-ASCII character after a backslash; expected a TOML escape "
                       "(\\uXXXX)");
                return i;
            }
            out_.append(rest.substr(0, 2));  // an escape: the next byte cannot close the string
            return i + std::min<std::size_t>(2, rest.size());
        }
        if (in_ == In::basic && (c == '"' || c == '\n')) {
            in_ = In::code;  // a line break ends it (toml++ reports the error)
        } else if (in_ == In::multi_basic && rest.starts_with("\"\"\"")) {
            in_ = In::code;
            out_.append(rest.substr(0, 3));
            return i + 3;
        }
        out_.push_back(c);
        return i + 1;
    }

    // A literal string opened at i: copied as it is when ASCII, else written
    // as the basic string of the same text. Returns the offset after it.
    std::size_t literal(std::size_t i, std::size_t delimiter_len) {
        const LiteralEnd end = find_literal_end(text_, i, delimiter_len);
        const std::size_t content_end = end.at == npos ? text_.find('\n', i + delimiter_len)
                                                       : end.at + end.quotes - delimiter_len;
        const std::size_t stop = content_end == npos ? text_.size() : content_end;
        const std::string_view content = text_.substr(i + delimiter_len, stop - i - delimiter_len);
        const bool ascii = std::all_of(content.begin(), content.end(), is_ascii);
        if (ascii) {
            // Nothing to convert: copied up to its end (or its line's end; toml++ reports that).
            const std::size_t after = end.at == npos ? stop : end.at + end.quotes;
            out_.append(text_.substr(i, after - i));
            return after;
        }
        if (end.at == npos) {
            refuse(i, "an unterminated literal string; expected its closing quote");
            return i;
        }
        const std::string_view quotes = delimiter_len == 3 ? "\"\"\"" : "\"";
        out_.append(quotes);
        for (std::size_t k = 0; k < content.size() && !refused();) {
            const char c = content[k];
            if (!is_ascii(c)) {
                k = escape_at(i + delimiter_len + k) - (i + delimiter_len);
                continue;
            }
            if (c == '\\' || c == '"') {
                out_.push_back('\\');  // literal text: no escapes in it
            }
            out_.push_back(c);
            ++k;
        }
        out_.append(quotes);
        return end.at + end.quotes;
    }

    std::string_view text_;
    std::string out_;
    In in_ = In::code;
    std::size_t refused_at_ = npos;
    std::string_view reason_;
};

}  // namespace

AsciiDocument ascii_document(std::string_view text) { return Converter(text).run(); }

}  // namespace barrage::profile::detail
