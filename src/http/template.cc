#include "barrage/http/template.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>

#include "barrage/base/assert.h"
#include "barrage/base/excerpt.h"
#include "http_impl.h"

namespace barrage::http {

// ---------------------------------------------------------------- Rng

namespace {

__extension__ using Uint128 = unsigned __int128;  // pedantic-safe: a GCC/Clang extension

uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

Rng::Rng(uint64_t seed) {
    // splitmix64 never yields four zero words, which xoshiro cannot leave.
    for (uint64_t& word : state_) {
        word = splitmix64(seed);
    }
}

uint64_t Rng::next() {
    const uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
}

// Lemire's multiply-and-reject: unbiased, and rarely more than one draw.
uint64_t Rng::below(uint64_t bound) {
    BARRAGE_ASSERT(bound > 0);
    Uint128 product = static_cast<Uint128>(next()) * bound;
    auto low = static_cast<uint64_t>(product);
    if (low < bound) {
        const uint64_t threshold = (0 - bound) % bound;
        while (low < threshold) {
            product = static_cast<Uint128>(next()) * bound;
            low = static_cast<uint64_t>(product);
        }
    }
    return static_cast<uint64_t>(product >> 64);
}

int64_t Rng::uniform_int(int64_t min, int64_t max) {
    BARRAGE_ASSERT(min <= max);
    const uint64_t span = static_cast<uint64_t>(max) - static_cast<uint64_t>(min) + 1;
    const uint64_t offset = span == 0 ? next() : below(span);  // span 0: the whole int64 range
    return static_cast<int64_t>(static_cast<uint64_t>(min) + offset);
}

double Rng::unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

// ---------------------------------------------------------------- names

namespace {

constexpr std::string_view kGenerators[] = {"int",  "float", "choice", "seq",
                                            "uuid", "now",   "now_ms"};
constexpr std::size_t kVariableNameMax = 64;
// {{set NAME = GENERATOR ...}}: a keyword, so no variable may be called "set".
constexpr std::string_view kSet = "set";

bool is_generator(std::string_view word) {
    for (std::string_view generator : kGenerators) {
        if (word == generator) {
            return true;
        }
    }
    return false;
}

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}

}  // namespace

bool is_variable_name(std::string_view name) {
    if (name.empty() || name.size() > kVariableNameMax || is_generator(name) || name == kSet) {
        return false;
    }
    for (char c : name) {
        if (!is_name_char(c)) {
            return false;
        }
    }
    return true;
}

int TemplateScope::index_of(std::string_view name) const {
    for (std::size_t i = 0; i < variables.size(); ++i) {
        if (variables[i] == name) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

// ---------------------------------------------------------------- TemplateContext

TemplateContext::TemplateContext(uint64_t seed, std::size_t variable_count, uint64_t sequence_first,
                                 uint64_t sequence_stride)
    : rng_(seed),
      sequence_(sequence_first),
      sequence_stride_(sequence_stride),
      values_(variable_count),
      storage_(variable_count) {
    BARRAGE_ASSERT_MSG(sequence_stride > 0, "sequence_stride must be positive");
}

void TemplateContext::begin_request() {
    if (sequence_started_) {
        sequence_ += sequence_stride_;
    }
    sequence_started_ = true;
}

void TemplateContext::set_variable(std::size_t index, std::string_view value) {
    BARRAGE_ASSERT(index < values_.size());
    storage_[index].assign(value);
    values_[index] = std::string_view(storage_[index].data(), storage_[index].size());
}

void TemplateContext::bind_variable(std::size_t index, std::string_view value) {
    BARRAGE_ASSERT(index < values_.size());
    // An empty cell still counts as set: give it a non-null pointer.
    values_[index] = value.data() == nullptr ? std::string_view("", 0) : value;
}

void TemplateContext::clear_variables() {
    for (std::string_view& value : values_) {
        value = std::string_view();
    }
}

bool TemplateContext::has_variable(std::size_t index) const {
    BARRAGE_ASSERT(index < values_.size());
    return values_[index].data() != nullptr;
}

std::string_view TemplateContext::variable(std::size_t index) const {
    BARRAGE_ASSERT(index < values_.size());
    return values_[index];
}

// ---------------------------------------------------------------- compiled form

namespace {

enum class PieceKind : uint8_t {
    literal,
    variable,
    int_range,
    float_range,
    choice,
    seq,
    uuid,
    now_s,
    now_ms
};

// One literal run or one generator. Literal text and choice words live in
// Compiled::text; `begin`/`size` index it (literal) or Compiled::words (choice).
struct Piece {
    PieceKind kind = PieceKind::literal;
    std::size_t begin = 0;
    std::size_t size = 0;
    std::size_t variable = 0;
    int64_t int_min = 0;
    int64_t int_max = 0;
    double float_min = 0;
    double float_max = 0;
    uint64_t seq_start = 0;
    // {{set NAME = ...}}: the generator's value is also stored in this variable
    // (`sets`); with `?=` (`sets_once`) only while the variable has no value.
    bool sets = false;
    bool sets_once = false;
    std::size_t set_variable = 0;
};

struct Word {
    std::size_t begin;
    std::size_t size;
};

}  // namespace

struct Template::Compiled {
    TemplateEncoding encoding = TemplateEncoding::none;
    std::string text;  // literal runs and choice words, back to back
    std::vector<Word> words;
    std::vector<Piece> pieces;
    std::vector<std::size_t> variables_used;
};

Template::Template(std::unique_ptr<Compiled> compiled) : compiled_(std::move(compiled)) {}
Template::~Template() = default;
Template::Template(Template&&) noexcept = default;
Template& Template::operator=(Template&&) noexcept = default;

bool Template::is_constant() const {
    for (const Piece& piece : compiled_->pieces) {
        if (piece.kind != PieceKind::literal) {
            return false;
        }
    }
    return true;
}

std::string_view Template::constant_text() const { return compiled_->text; }

const std::vector<std::size_t>& Template::variables_used() const {
    return compiled_->variables_used;
}

// ---------------------------------------------------------------- compile

namespace {

struct Token {
    std::string text;
    bool quoted = false;
};

// Where the placeholder opened at `open` ends: the "}}" outside quotes, or npos.
std::size_t find_close(std::string_view text, std::size_t from) {
    bool quoted = false;
    for (std::size_t i = from; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted && c == '\\') {
            ++i;  // the escaped byte cannot end the quote
        } else if (c == '"') {
            quoted = !quoted;
        } else if (!quoted && c == '}' && i + 1 < text.size() && text[i + 1] == '}') {
            return i;
        }
    }
    return std::string_view::npos;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Splits a placeholder's inside into words; "..." quotes a word, with \" and \\.
std::vector<Token> split_words(std::string_view inside) {
    std::vector<Token> tokens;
    std::size_t i = 0;
    while (i < inside.size()) {
        if (is_space(inside[i])) {
            ++i;
            continue;
        }
        Token token;
        if (inside[i] == '"') {
            token.quoted = true;
            for (++i; i < inside.size() && inside[i] != '"'; ++i) {
                if (inside[i] == '\\' && i + 1 < inside.size()) {
                    ++i;
                }
                token.text.push_back(inside[i]);
            }
            ++i;  // the closing quote (find_close saw it)
        } else {
            for (; i < inside.size() && !is_space(inside[i]) && inside[i] != '"'; ++i) {
                token.text.push_back(inside[i]);
            }
        }
        tokens.push_back(std::move(token));
    }
    return tokens;
}

// {{set NAME = GENERATOR ...}} / {{set NAME ?= GENERATOR ...}}, split at its '='.
struct Assignment {
    std::string_view name;       // as written, spaces trimmed; may be invalid
    bool once = false;           // "?=": only while the variable has no value
    std::string_view generator;  // the text after '='
};

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_space(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_space(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

// True when the placeholder's first word is the keyword "set".
bool is_assignment(const std::vector<Token>& tokens) {
    return !tokens.empty() && !tokens[0].quoted && tokens[0].text == kSet;
}

// `inside` starts (after spaces) with "set"; nullopt when it has no '='.
std::optional<Assignment> split_assignment(std::string_view inside) {
    inside = trim(inside);
    BARRAGE_ASSERT(inside.starts_with(kSet));
    inside.remove_prefix(kSet.size());
    const std::size_t equals = inside.find('=');
    if (equals == std::string_view::npos) {
        return std::nullopt;
    }
    Assignment assignment;
    assignment.once = equals > 0 && inside[equals - 1] == '?';
    assignment.name = trim(inside.substr(0, assignment.once ? equals - 1 : equals));
    assignment.generator = inside.substr(equals + 1);
    return assignment;
}

template <typename T>
bool parse_number(const std::string& text, T& value) {
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    return ec == std::errc() && ptr == end;
}

std::string known_list(const TemplateScope& scope) {
    if (scope.variables.empty()) {
        return "no variables are defined";
    }
    std::string list = "known: ";
    for (std::size_t i = 0; i < scope.variables.size(); ++i) {
        list += (i == 0 ? "" : ", ") + scope.variables[i];
    }
    return list;
}

class Compiler {
public:
    Compiler(std::string_view text, const TemplateScope& scope) : text_(text), scope_(scope) {}

    base::Status run();

private:
    base::Status placeholder(std::size_t open, std::string_view inside);
    base::Status generator(const std::vector<Token>& tokens, Piece& piece);
    base::Status assignment(Piece& piece);
    base::Status variable(const Token& token, Piece& piece);
    base::Error error(std::string what) const;
    void literal(std::string_view run);

    std::string_view text_;
    const TemplateScope& scope_;
    std::size_t open_ = 0;     // offset of the placeholder being compiled
    std::string_view inside_;  // its text between the braces
    std::unique_ptr<Template::Compiled> out_ = std::make_unique<Template::Compiled>();

public:
    std::unique_ptr<Template::Compiled> take() { return std::move(out_); }
};

base::Error Compiler::error(std::string what) const {
    return base::make_error(std::move(what) + " in placeholder '{{" + base::excerpt(inside_, 60) +
                            "}}' at offset " + std::to_string(open_));
}

void Compiler::literal(std::string_view run) {
    if (run.empty()) {
        return;
    }
    std::vector<Piece>& pieces = out_->pieces;
    if (!pieces.empty() && pieces.back().kind == PieceKind::literal &&
        pieces.back().begin + pieces.back().size == out_->text.size()) {
        pieces.back().size += run.size();  // merge with the run before ("{{{{" escapes)
    } else {
        Piece piece;
        piece.begin = out_->text.size();
        piece.size = run.size();
        pieces.push_back(piece);
    }
    out_->text.append(run);
}

base::Status Compiler::run() {
    std::size_t pos = 0;
    while (pos < text_.size()) {
        const std::size_t open = text_.find("{{", pos);
        if (open == std::string_view::npos) {
            literal(text_.substr(pos));
            break;
        }
        literal(text_.substr(pos, open - pos));
        if (text_.substr(open, 4) == "{{{{") {
            literal("{{");
            pos = open + 4;
            continue;
        }
        const std::size_t close = find_close(text_, open + 2);
        if (close == std::string_view::npos) {
            return base::make_error("unclosed placeholder at offset " + std::to_string(open) +
                                    ": expected '}}' (write a literal '{{' as '{{{{')");
        }
        if (auto status = placeholder(open, text_.substr(open + 2, close - open - 2)); !status) {
            return status.error();
        }
        pos = close + 2;
    }
    return base::Ok{};
}

base::Status Compiler::placeholder(std::size_t open, std::string_view inside) {
    open_ = open;
    inside_ = inside;
    const std::vector<Token> tokens = split_words(inside);
    if (tokens.empty()) {
        return error(
            "empty placeholder: expected a variable name or a generator (int, float, "
            "choice, seq, uuid, now, now_ms)");
    }
    Piece piece;
    base::Status status = is_assignment(tokens) ? assignment(piece)
                          : tokens.size() == 1 && !tokens[0].quoted && !is_generator(tokens[0].text)
                              ? variable(tokens[0], piece)
                              : generator(tokens, piece);
    if (status) {
        out_->pieces.push_back(piece);
    }
    return status;
}

base::Status Compiler::variable(const Token& token, Piece& piece) {
    const int index = scope_.index_of(token.text);
    if (index < 0) {
        return base::make_error("unknown variable '" + base::excerpt(token.text) + "' at offset " +
                                std::to_string(open_) + " (" + known_list(scope_) + ")");
    }
    piece.kind = PieceKind::variable;
    piece.variable = static_cast<std::size_t>(index);
    std::vector<std::size_t>& used = out_->variables_used;
    if (std::find(used.begin(), used.end(), piece.variable) == used.end()) {
        used.push_back(piece.variable);
    }
    return base::Ok{};
}

// The generator renders as usual; render() also stores its text in the variable.
base::Status Compiler::assignment(Piece& piece) {
    const std::optional<Assignment> parts = split_assignment(inside_);
    if (!parts) {
        return error(
            "bad set: expected {{set NAME = GENERATOR ...}} (a new value each time) or "
            "{{set NAME ?= GENERATOR ...}} (once per session), e.g. {{set tenant = int 1000 "
            "9999}}");
    }
    if (!is_variable_name(parts->name)) {
        return error("'" + base::excerpt(parts->name, 20) +
                     "' cannot be a variable name: expected 1 to 64 letters, digits, '_', '-' or "
                     "'.', not a generator name");
    }
    const std::vector<Token> tokens = split_words(parts->generator);
    if (tokens.empty()) {
        return error("nothing to set: expected a generator after '=', e.g. {{set " +
                     std::string(parts->name) + " = uuid}}");
    }
    if (auto status = generator(tokens, piece); !status) {
        return status;
    }
    const int index = scope_.index_of(parts->name);
    if (index < 0) {
        return error("unknown variable '" + std::string(parts->name) + "' to set (" +
                     known_list(scope_) + ")");
    }
    piece.sets = true;
    piece.sets_once = parts->once;
    piece.set_variable = static_cast<std::size_t>(index);
    std::vector<std::size_t>& used = out_->variables_used;
    if (std::find(used.begin(), used.end(), piece.set_variable) == used.end()) {
        used.push_back(piece.set_variable);
    }
    return base::Ok{};
}

base::Status Compiler::generator(const std::vector<Token>& tokens, Piece& piece) {
    const std::string& name = tokens[0].text;
    const std::size_t args = tokens.size() - 1;
    if (tokens[0].quoted || !is_generator(name)) {
        return error("unknown generator '" + base::excerpt(name, 20) +
                     "': expected int, float, choice, seq, uuid, now or now_ms");
    }
    if (name == "int") {
        piece.kind = PieceKind::int_range;
        if (args != 2 || !parse_number(tokens[1].text, piece.int_min) ||
            !parse_number(tokens[2].text, piece.int_max) || piece.int_min > piece.int_max) {
            return error("bad arguments: expected {{int MIN MAX}} with integers MIN <= MAX");
        }
    } else if (name == "float") {
        piece.kind = PieceKind::float_range;
        if (args != 2 || !parse_number(tokens[1].text, piece.float_min) ||
            !parse_number(tokens[2].text, piece.float_max) || !std::isfinite(piece.float_min) ||
            !std::isfinite(piece.float_max) || piece.float_min > piece.float_max) {
            return error("bad arguments: expected {{float MIN MAX}} with numbers MIN <= MAX");
        }
    } else if (name == "choice") {
        piece.kind = PieceKind::choice;
        if (args == 0) {
            return error("no words: expected {{choice a b \"c d\"}} with at least one word");
        }
        piece.begin = out_->words.size();
        piece.size = args;
        for (std::size_t i = 1; i < tokens.size(); ++i) {
            out_->words.push_back({out_->text.size(), tokens[i].text.size()});
            out_->text.append(tokens[i].text);
        }
    } else if (name == "seq") {
        piece.kind = PieceKind::seq;
        if (args > 1 || (args == 1 && !parse_number(tokens[1].text, piece.seq_start))) {
            return error("bad arguments: expected {{seq}} or {{seq START}} with START >= 0");
        }
    } else {
        piece.kind = name == "uuid"  ? PieceKind::uuid
                     : name == "now" ? PieceKind::now_s
                                     : PieceKind::now_ms;
        if (args != 0) {
            return error("'" + name + "' takes no arguments");
        }
    }
    return base::Ok{};
}

}  // namespace

std::vector<std::string> Template::variables_set(std::string_view text) {
    std::vector<std::string> names;
    std::size_t pos = 0;
    while ((pos = text.find("{{", pos)) != std::string_view::npos) {
        if (text.substr(pos, 4) == "{{{{") {
            pos += 4;
            continue;
        }
        const std::size_t close = find_close(text, pos + 2);
        if (close == std::string_view::npos) {
            break;  // compile() reports it
        }
        const std::string_view inside = text.substr(pos + 2, close - pos - 2);
        pos = close + 2;
        if (!is_assignment(split_words(inside))) {
            continue;
        }
        const std::optional<Assignment> parts = split_assignment(inside);
        if (parts && is_variable_name(parts->name) &&
            std::find(names.begin(), names.end(), parts->name) == names.end()) {
            names.emplace_back(parts->name);
        }
    }
    return names;
}

base::Result<Template> Template::compile(std::string_view text, const TemplateScope& scope,
                                         TemplateEncoding encoding) {
    Compiler compiler(text, scope);
    if (auto status = compiler.run(); !status) {
        return status.error();
    }
    std::unique_ptr<Compiled> compiled = compiler.take();
    compiled->encoding = encoding;
    return Template(std::move(compiled));
}

base::Result<std::vector<TemplateSegment>> Template::segments(std::string_view text) {
    std::vector<TemplateSegment> out;
    const auto literal = [&out](std::string_view run) {
        if (out.empty() || out.back().placeholder) {
            out.push_back({false, {}});
        }
        out.back().text.append(run);
    };
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t open = text.find("{{", pos);
        if (open == std::string_view::npos) {
            literal(text.substr(pos));
            break;
        }
        literal(text.substr(pos, open - pos));
        if (text.substr(open, 4) == "{{{{") {
            literal("{{");
            pos = open + 4;
            continue;
        }
        const std::size_t close = find_close(text, open + 2);
        if (close == std::string_view::npos) {
            return base::make_error("unclosed placeholder at offset " + std::to_string(open) +
                                    ": expected '}}' (write a literal '{{' as '{{{{')");
        }
        out.push_back({true, std::string(text.substr(open, close + 2 - open))});
        pos = close + 2;
    }
    std::erase_if(out, [](const TemplateSegment& segment) { return segment.text.empty(); });
    return out;
}

// ---------------------------------------------------------------- render

namespace {

constexpr char kHex[] = "0123456789abcdef";

template <typename T>
void append_integer(std::string& out, T value) {
    char buffer[24];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
    BARRAGE_ASSERT(ec == std::errc());
    out.append(buffer, end);
}

// Fixed notation with 6 decimals, trailing zeros dropped ("2.5", "3").
void append_float(std::string& out, double value) {
    char buffer[400];  // fixed notation of DBL_MAX needs 309 digits + 6 decimals
    auto [end, ec] =
        std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed, 6);
    BARRAGE_ASSERT(ec == std::errc());
    while (end[-1] == '0') {
        --end;
    }
    if (end[-1] == '.') {
        --end;
    }
    const bool negative_zero = end - buffer == 2 && buffer[0] == '-' && buffer[1] == '0';
    out.append(negative_zero ? buffer + 1 : buffer, end);
}

// Version 4 (random) UUID, RFC 9562: 8-4-4-4-12 lowercase hex.
void append_uuid(std::string& out, Rng& rng) {
    uint64_t high = rng.next();
    uint64_t low = rng.next();
    high = (high & ~0xf000ULL) | 0x4000ULL;            // version 4
    low = (low & ~(0xc0ULL << 56)) | (0x80ULL << 56);  // variant 10
    char buffer[36];
    std::size_t at = 0;
    for (int nibble = 0; nibble < 32; ++nibble) {
        if (nibble == 8 || nibble == 12 || nibble == 16 || nibble == 20) {
            buffer[at++] = '-';
        }
        const uint64_t word = nibble < 16 ? high : low;
        const int shift = 60 - 4 * (nibble % 16);
        buffer[at++] = kHex[(word >> shift) & 0xf];
    }
    out.append(buffer, sizeof(buffer));
}

double float_between(Rng& rng, double min, double max) {
    const double value = min + (max - min) * rng.unit();
    return value < max ? value : min;  // rounding may reach max; the range is half-open
}

}  // namespace

bool Template::render(TemplateContext& context, std::string& out, std::size_t out_bytes_max) const {
    const Compiled& compiled = *compiled_;
    for (const Piece& piece : compiled.pieces) {
        if (out.size() > out_bytes_max) {
            return false;  // one piece past the limit at most: a piece is bounded, repeats are not
        }
        const std::size_t from = out.size();
        if (piece.sets_once && context.has_variable(piece.set_variable)) {
            out.append(context.values_[piece.set_variable]);  // {{set x ?= ...}}: already drawn
            if (compiled.encoding == TemplateEncoding::form_urlencoded) {
                detail::form_urlencode_tail(out, from);
            }
            continue;
        }
        switch (piece.kind) {
            case PieceKind::literal:
                out.append(compiled.text, piece.begin, piece.size);
                break;
            case PieceKind::variable:
                if (!context.has_variable(piece.variable)) {
                    ++context.unset_variable_renders_;
                }
                out.append(context.values_[piece.variable]);
                break;
            case PieceKind::int_range:
                append_integer(out, context.rng_.uniform_int(piece.int_min, piece.int_max));
                break;
            case PieceKind::float_range:
                append_float(out, float_between(context.rng_, piece.float_min, piece.float_max));
                break;
            case PieceKind::choice: {
                const Word word = compiled.words[piece.begin + context.rng_.below(piece.size)];
                out.append(compiled.text, word.begin, word.size);
                break;
            }
            case PieceKind::seq:
                append_integer(out, piece.seq_start + context.sequence_);
                break;
            case PieceKind::uuid:
                append_uuid(out, context.rng_);
                break;
            case PieceKind::now_s:
                append_integer(out, context.now_unix_ns / 1'000'000'000);
                break;
            case PieceKind::now_ms:
                append_integer(out, context.now_unix_ns / 1'000'000);
                break;
        }
        if (piece.sets) {
            context.set_variable(piece.set_variable, std::string_view(out).substr(from));
        }
        if (compiled.encoding == TemplateEncoding::form_urlencoded &&
            piece.kind != PieceKind::literal) {
            detail::form_urlencode_tail(out, from);
        }
    }
    return out.size() <= out_bytes_max;
}

}  // namespace barrage::http
