#include "barrage/http/response_parser.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <string_view>

#include "barrage/base/assert.h"
#include "barrage/http/request.h"
#include "http_impl.h"

namespace barrage::http {

// Head states come first: in_head() is `state_ <= head_lf`. Each state reads a
// run of bytes (memchr where the bytes are not interpreted) and never looks
// back, so a split at any byte gives the same result.
enum class ResponseParser::State : uint8_t {
    status_literal,        // "HTTP/1." (pos_ bytes matched)
    status_minor,          // the minor version digit
    status_space,          // SP before the status code
    status_code,           // three digits (pos_ read)
    status_after_code,     // SP before the reason, or the line end
    status_reason,         // skipped up to LF
    header_line_start,     // a field name, or the empty line ending the head
    header_name,           // tchar run up to ':'
    value_skip,            // a value we do not interpret, skipped up to LF
    value_content_length,  // digits, OWS, commas
    value_after_length,    // OWS after a Content-Length number
    value_token_list,      // comma-separated tokens (Transfer-Encoding, Connection)
    head_lf,               // CR seen in the head: LF must follow
    head_end,              // never stored: go() turns it into finish_head()
    body_length,           // Content-Length body (remaining_ left)
    body_until_close,      // everything until the server closes
    chunk_size,            // hex digits (remaining_ accumulates)
    chunk_size_end,        // OWS, ';' extension, or the line end
    chunk_extension,       // skipped up to LF
    chunk_data,            // remaining_ bytes of chunk data
    chunk_data_end,        // the CRLF after chunk data
    trailer_line_start,    // a trailer field, or the empty line ending the body
    trailer_skip,          // a trailer field, skipped up to LF
    body_lf,               // CR seen in the body framing: LF must follow
    done,
    invalid,
};

enum class ResponseParser::HeaderKind : uint8_t {
    other,
    content_length,
    transfer_encoding,
    connection,
};

namespace {

// Header names we interpret, lowercase; bit i of the match mask is name i,
// HeaderKind i + 1.
constexpr std::string_view kHeaderNames[] = {"content-length", "transfer-encoding", "connection"};
constexpr uint8_t kAllHeaderNames = 0b111;
static_assert(kHeaderNames[0].size() != kHeaderNames[1].size() &&
                  kHeaderNames[0].size() != kHeaderNames[2].size() &&
                  kHeaderNames[1].size() != kHeaderNames[2].size(),
              "interpreted_name() tells the names apart by length");

// Tokens we look for in comma lists; masks pick those one header may hold.
constexpr std::string_view kListTokens[] = {"chunked", "close", "keep-alive"};
constexpr uint8_t kTokenChunked = 0b001;
constexpr uint8_t kTokenClose = 0b010;
constexpr uint8_t kTokenKeepAlive = 0b100;
static_assert(kListTokens[0].size() != kListTokens[1].size() &&
                  kListTokens[0].size() != kListTokens[2].size() &&
                  kListTokens[1].size() != kListTokens[2].size(),
              "whole_token() tells the tokens apart by length");

constexpr std::string_view kStatusLiteral = "HTTP/1.";
constexpr std::ptrdiff_t kStatusPrefixSize = 12;  // "HTTP/1.1 200"
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

bool is_ows(char c) { return c == ' ' || c == '\t'; }
bool is_line_end(char c) { return c == '\r' || c == '\n'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
    if (is_digit(c)) {
        return c - '0';
    }
    const char lower = detail::ascii_lower(c);
    return (lower >= 'a' && lower <= 'f') ? lower - 'a' + 10 : -1;
}

// `segment` holds tchar bytes only, for which `| 0x20` lowercases letters and
// maps no other tchar onto a lowercase letter or '-'.
bool equals_lower_tokens(const char* segment, const char* lower, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        if (static_cast<char>(segment[i] | 0x20) != lower[i]) {
            return false;
        }
    }
    return true;
}

// Same as equals_lower_tokens for n >= 8, 8 bytes at a time (the last block
// may overlap the one before).
bool equals_lower_name(const char* segment, const char* lower, std::size_t n) {
    BARRAGE_ASSERT(n >= 8);
    constexpr uint64_t kCaseBits = 0x2020202020202020;
    const auto block_equal = [&](std::size_t at) {
        uint64_t a = 0;
        uint64_t b = 0;
        std::memcpy(&a, segment + at, sizeof a);
        std::memcpy(&b, lower + at, sizeof b);
        return (a | kCaseBits) == b;
    };
    for (std::size_t at = 0; at + 8 < n; at += 8) {
        if (!block_equal(at)) {
            return false;
        }
    }
    return block_equal(n - 8);
}

// Which of kHeaderNames the whole name `name` (tchar bytes only) is, ignoring
// case: its index + 1 (a HeaderKind), or 0. The length picks the candidate.
int interpreted_name(const char* name, std::size_t n) {
    for (std::size_t i = 0; i < std::size(kHeaderNames); ++i) {
        if (kHeaderNames[i].size() == n) {
            return equals_lower_name(name, kHeaderNames[i].data(), n) ? static_cast<int>(i) + 1 : 0;
        }
    }
    return 0;
}

// Keeps the candidates of `alive` whose bytes [pos, pos + n) equal `segment`
// ignoring case; `last` also requires the candidate to end there.
template <std::size_t N>
uint8_t narrow(const std::string_view (&names)[N], uint8_t alive, std::size_t pos,
               const char* segment, std::size_t n, bool last) {
    for (std::size_t i = 0; i < N; ++i) {
        const auto bit = static_cast<uint8_t>(1u << i);
        if ((alive & bit) == 0) {
            continue;
        }
        const std::string_view name = names[i];
        const bool fits = last ? pos + n == name.size() : pos + n <= name.size();
        if (!fits || !equals_lower_tokens(segment, name.data() + pos, n)) {
            alive = static_cast<uint8_t>(alive & ~bit);
        }
    }
    return alive;
}

// The candidate of `alive` exactly `length` bytes long, as a one-bit mask (0: none).
template <std::size_t N>
uint8_t matched(const std::string_view (&names)[N], uint8_t alive, std::size_t length) {
    for (std::size_t i = 0; i < N; ++i) {
        const auto bit = static_cast<uint8_t>(1u << i);
        if ((alive & bit) != 0 && names[i].size() == length) {
            return bit;
        }
    }
    return 0;
}

uint8_t saturating_add(uint8_t pos, std::size_t n) {
    return static_cast<uint8_t>(std::min<std::size_t>(pos + n, 255));
}

const char* find_lf(const char* p, const char* end) {
    return static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
}

// Past the LF of the line, or nullptr when it is not in view.
const char* past_lf(const char* p, const char* end) {
    const char* lf = find_lf(p, end);
    return lf == nullptr ? nullptr : lf + 1;
}

// Past a line end (CRLF or bare LF) at p, or nullptr when p holds none in view.
const char* past_line_end(const char* p, const char* end) {
    if (p < end && *p == '\n') {
        return p + 1;
    }
    return end - p >= 2 && p[0] == '\r' && p[1] == '\n' ? p + 2 : nullptr;
}

const char* skip_ows(const char* p, const char* end) {
    while (p < end && is_ows(*p)) {
        ++p;
    }
    return p;
}

// The list token (kListTokens) that the whole token `token` is, ignoring
// case, as a one-bit mask; 0 for none. The length picks the candidate.
uint8_t whole_token(const char* token, std::size_t n) {
    for (std::size_t i = 0; i < std::size(kListTokens); ++i) {
        if (kListTokens[i].size() == n) {
            const char* lower = kListTokens[i].data();
            const bool equal =
                n >= 8 ? equals_lower_name(token, lower, n) : equals_lower_tokens(token, lower, n);
            return equal ? static_cast<uint8_t>(1u << i) : uint8_t{0};
        }
    }
    return 0;
}

}  // namespace

// ---------------------------------------------------------------- ResponseKeep

base::Result<ResponseKeep> ResponseKeep::create(const std::vector<std::string>& header_names,
                                                ResponseKeepLimits limits) {
    if (limits.body_bytes_max < 0 || limits.header_value_bytes_max < 0) {
        return base::make_error("response keep limits must not be negative");
    }
    if (header_names.size() > kHeaderNamesMax) {
        return base::make_error("at most " + std::to_string(kHeaderNamesMax) +
                                " response headers can be kept, got " +
                                std::to_string(header_names.size()));
    }
    ResponseKeep keep;
    keep.limits_ = limits;
    for (const std::string& name : header_names) {
        if (!is_token(name)) {
            return base::make_error(
                "cannot keep response header '" + name +
                "': a header name is a token (letters, digits, !#$%&'*+-.^_`|~)");
        }
        Header header;
        header.name.reserve(name.size());
        for (char c : name) {
            header.name.push_back(detail::ascii_lower(c));
        }
        if (keep.find(header.name) != nullptr) {
            continue;  // asked twice: one slot serves both
        }
        header.value.reserve(static_cast<std::size_t>(limits.header_value_bytes_max));
        keep.headers_.push_back(std::move(header));
    }
    keep.body_.reserve(static_cast<std::size_t>(limits.body_bytes_max));
    return keep;
}

void ResponseKeep::clear() {
    body_.clear();
    body_truncated_ = false;
    for (Header& header : headers_) {
        header.value.clear();
        header.present = false;
        header.truncated = false;
    }
    name_alive_ = 0;
    name_pos_ = 0;
    value_ = nullptr;
}

const ResponseKeep::Header* ResponseKeep::find(std::string_view name) const {
    for (const Header& header : headers_) {
        if (detail::equals_ignore_case(name, header.name)) {
            return &header;
        }
    }
    return nullptr;
}

std::optional<std::string_view> ResponseKeep::header(std::string_view name) const {
    const Header* header = find(name);
    if (header == nullptr || !header->present) {
        return std::nullopt;
    }
    return std::string_view(header->value);
}

bool ResponseKeep::header_truncated(std::string_view name) const {
    const Header* header = find(name);
    return header != nullptr && header->truncated;
}

void ResponseKeep::begin_name() {
    name_alive_ = headers_.size() == 64 ? ~uint64_t{0} : (uint64_t{1} << headers_.size()) - 1;
    name_pos_ = 0;
    value_ = nullptr;
}

// Same matching as the parser's own names: the segment holds tchar bytes only.
void ResponseKeep::match_name(const char* segment, std::size_t n, bool last) {
    for (uint64_t alive = name_alive_; alive != 0; alive &= alive - 1) {
        const auto i = static_cast<std::size_t>(std::countr_zero(alive));
        const std::string& name = headers_[i].name;
        const bool fits = last ? name_pos_ + n == name.size() : name_pos_ + n <= name.size();
        if (!fits || !equals_lower_tokens(segment, name.data() + name_pos_, n)) {
            name_alive_ &= ~(uint64_t{1} << i);
        }
    }
    name_pos_ += n;
}

// The first occurrence of a selected header wins (later ones, e.g. a second
// Set-Cookie, are ignored).
void ResponseKeep::begin_value() {
    value_ = nullptr;
    if (name_alive_ == 0) {
        return;
    }
    Header& header = headers_[static_cast<std::size_t>(std::countr_zero(name_alive_))];
    if (!header.present) {
        header.present = true;
        value_ = &header;
    }
}

// Gets the bytes a value state consumed, the line end included: CR and LF are
// dropped, leading OWS skipped; past the limit only non-OWS bytes count as
// truncation, so trailing OWS never does.
void ResponseKeep::append_value(const char* p, const char* end) {
    BARRAGE_ASSERT(value_ != nullptr);
    const auto max = static_cast<std::size_t>(limits_.header_value_bytes_max);
    for (; p < end; ++p) {
        const char c = *p;
        if (is_line_end(c) || (value_->value.empty() && is_ows(c))) {
            continue;
        }
        if (value_->value.size() < max) {
            value_->value.push_back(c);
        } else if (!is_ows(c)) {
            value_->truncated = true;
        }
    }
}

void ResponseKeep::end_value() {
    BARRAGE_ASSERT(value_ != nullptr);
    std::string& value = value_->value;
    while (!value.empty() && is_ows(value.back())) {
        value.pop_back();
    }
    value_ = nullptr;
}

void ResponseKeep::append_body(const char* p, int64_t n) {
    const int64_t room = limits_.body_bytes_max - static_cast<int64_t>(body_.size());
    const int64_t take = std::min(room, n);
    body_.append(p, static_cast<std::size_t>(take));
    body_truncated_ = body_truncated_ || take < n;
}

// ---------------------------------------------------------------- ResponseParser

ResponseParser::ResponseParser(ResponseLimits limits) : limits_(limits) {
    BARRAGE_ASSERT_MSG(limits_.header_bytes_max > 0, "header_bytes_max must be positive");
    reset(false);
}

void ResponseParser::reset(bool request_was_head) {
    request_was_head_ = request_was_head;
    header_bytes_ = 0;
    body_bytes_ = 0;
    error_ = "";
    begin_response();
}

// Forgets the previous (interim) response; header_bytes_ keeps counting so
// endless 1xx responses still hit the header limit.
void ResponseParser::begin_response() {
    if (keep_ != nullptr) {
        keep_->clear();
    }
    state_ = State::status_literal;
    after_lf_ = State::status_literal;
    header_kind_ = HeaderKind::other;
    status_code_ = 0;
    content_length_ = 0;
    number_ = 0;
    remaining_ = 0;
    pos_ = 0;
    match_alive_ = 0;
    match_pos_ = 0;
    keep_alive_ = true;
    http10_ = false;
    chunked_ = false;
    has_content_length_ = false;
    has_transfer_encoding_ = false;
    connection_close_ = false;
    connection_keep_alive_ = false;
    token_ended_ = false;
}

bool ResponseParser::idle() const { return state_ == State::status_literal && header_bytes_ == 0; }

bool ResponseParser::in_head() const { return state_ <= State::head_lf; }

bool ResponseParser::in_value() const {
    return state_ >= State::value_skip && state_ <= State::value_token_list;
}

void ResponseParser::fail(const char* why) {
    state_ = State::invalid;
    error_ = why;
}

ParseStatus ResponseParser::feed(std::span<const char> data, std::size_t& consumed) {
    BARRAGE_ASSERT_MSG(state_ != State::done, "feed() after a complete response; reset() first");
    const char* const begin = data.data();
    const char* const end = begin + data.size();
    const char* p = begin;
    while (p < end && state_ < State::done) {
        p = in_head() ? parse_head(p, end) : step_body(p, end);
    }
    BARRAGE_ASSERT(p >= begin && p <= end);
    consumed = static_cast<std::size_t>(p - begin);
    if (state_ == State::done) {
        return ParseStatus::complete;
    }
    if (state_ == State::invalid) {
        return ParseStatus::invalid;
    }
    BARRAGE_ASSERT(p == end);
    return ParseStatus::partial;
}

ParseStatus ResponseParser::finish_on_eof() {
    if (state_ == State::done) {
        return ParseStatus::complete;
    }
    if (state_ == State::body_until_close) {
        state_ = State::done;
        return ParseStatus::complete;
    }
    if (state_ != State::invalid) {
        fail(idle()      ? "connection closed before response"
             : in_head() ? "connection closed mid-headers"
                         : "connection closed mid-body");
    }
    return ParseStatus::invalid;
}

// Runs the head states over at most the bytes the header limit still allows.
const char* ResponseParser::parse_head(const char* p, const char* end) {
    const int64_t budget = limits_.header_bytes_max - header_bytes_;
    BARRAGE_ASSERT(budget >= 0);
    const char* const limit = end - p > budget ? p + budget : end;
    const char* q = p;
    while (q < limit && in_head()) {
        q = keep_ == nullptr ? step_head(q, limit) : step_head_keeping(q, limit);
    }
    header_bytes_ += q - p;
    if (in_head() && q == limit && limit < end) {
        fail("response headers too large");
    }
    return q;
}

void ResponseParser::go(State next) {
    if (next == State::head_end) {
        finish_head();
    } else {
        state_ = next;
    }
}

// `c` is CR or LF ending a line; bare LF is accepted like most clients do.
void ResponseParser::end_line(char c, State next) {
    if (c == '\n') {
        go(next);
        return;
    }
    after_lf_ = next;
    state_ = in_head() ? State::head_lf : State::body_lf;
}

const char* ResponseParser::take_lf(const char* p) {
    if (*p != '\n') {
        fail("invalid line ending (CR without LF)");
        return p;
    }
    go(after_lf_);
    return p + 1;
}

const char* ResponseParser::step_head(const char* p, const char* end) {
    switch (state_) {
        case State::header_line_start:
            return header_line_start(p, end);
        case State::header_name:
            return header_name(p, end);
        case State::value_skip: {
            const char* lf = find_lf(p, end);
            if (lf == nullptr) {
                return end;
            }
            state_ = State::header_line_start;
            return lf + 1;
        }
        case State::value_content_length:
        case State::value_after_length:
            while (p < end &&
                   (state_ == State::value_content_length || state_ == State::value_after_length)) {
                p = content_length_value(p);
            }
            return p;
        case State::value_token_list:
            return token_list_value(p, end);
        case State::head_lf:
            return take_lf(p);
        default:
            return step_status(p, end);
    }
}

// Keep mode: the bytes a value state consumes also go to the kept header
// whose name matched (header_name() tells the keep about names).
const char* ResponseParser::step_head_keeping(const char* p, const char* end) {
    if (!in_value() || keep_->value_ == nullptr) {
        return step_head(p, end);
    }
    const char* q = step_head(p, end);
    keep_->append_value(p, q);
    if (!in_value()) {
        keep_->end_value();
    }
    return q;
}

const char* ResponseParser::step_status(const char* p, const char* end) {
    const char c = *p;
    switch (state_) {
        case State::status_literal:
            if (pos_ == 0 && end - p >= kStatusPrefixSize && status_prefix(p)) {
                p += kStatusPrefixSize;
                // The rest of the line in view (any reason phrase, or none): on
                // to the headers without a state per piece.
                const char* next =
                    p < end && *p == ' ' ? past_lf(p + 1, end) : past_line_end(p, end);
                if (next == nullptr) {
                    return p;
                }
                state_ = State::header_line_start;
                return next;
            }
            // Byte by byte, so "HELLO" or binary fails at its first wrong byte.
            while (p < end && pos_ < kStatusLiteral.size()) {
                if (*p != kStatusLiteral[pos_]) {
                    fail("invalid status line");
                    return p;
                }
                ++p;
                ++pos_;
            }
            if (pos_ == kStatusLiteral.size()) {
                state_ = State::status_minor;
            }
            return p;
        case State::status_minor:
            if (!is_digit(c)) {
                break;
            }
            http10_ = c == '0';
            state_ = State::status_space;
            return p + 1;
        case State::status_space:
            if (c != ' ') {
                break;
            }
            state_ = State::status_code;
            pos_ = 0;
            return p + 1;
        case State::status_code:
            // 100..999: the first digit may not be 0.
            if (!is_digit(c) || (pos_ == 0 && c == '0')) {
                break;
            }
            status_code_ = status_code_ * 10 + (c - '0');
            if (++pos_ == 3) {
                state_ = State::status_after_code;
            }
            return p + 1;
        case State::status_after_code:
            if (c == ' ') {
                state_ = State::status_reason;
                return p + 1;
            }
            if (!is_line_end(c)) {
                break;
            }
            end_line(c, State::header_line_start);
            return p + 1;
        case State::status_reason: {
            // Any reason phrase is accepted: it carries no meaning.
            const char* lf = find_lf(p, end);
            if (lf == nullptr) {
                return end;
            }
            state_ = State::header_line_start;
            return lf + 1;
        }
        default:
            BARRAGE_ASSERT_MSG(false, "step_status in a non-status state");
    }
    fail("invalid status line");
    return p;
}

// Fast path for a whole "HTTP/1.x NNN" in view; on any doubt it leaves the
// bytes to the state machine, which also names the error.
bool ResponseParser::status_prefix(const char* p) {
    if (std::memcmp(p, kStatusLiteral.data(), kStatusLiteral.size()) != 0 || !is_digit(p[7]) ||
        p[8] != ' ' || p[9] < '1' || p[9] > '9' || !is_digit(p[10]) || !is_digit(p[11])) {
        return false;
    }
    http10_ = p[7] == '0';
    status_code_ = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    state_ = State::status_after_code;
    return true;
}

// Whole lines in view take a fast path (header_lines); what it leaves (a line
// cut by the end of the bytes, a bad byte, an unusual value, keep mode) goes
// the byte-level way below, which also names errors, so both ways accept and
// reject the same bytes and stop at the same byte.
const char* ResponseParser::header_line_start(const char* p, const char* end) {
    if (keep_ == nullptr) {
        p = header_lines(p, end);
        if (p == end || !in_head() || state_ != State::header_line_start) {
            return p;
        }
    }
    const char c = *p;
    if (is_line_end(c)) {
        end_line(c, State::head_end);
        return p + 1;
    }
    if (is_ows(c)) {
        fail("obsolete line folding in response headers");
        return p;
    }
    if (!detail::is_tchar(c)) {
        fail("invalid header name");
        return p;
    }
    state_ = State::header_name;
    match_alive_ = kAllHeaderNames;
    match_pos_ = 0;
    if (keep_ != nullptr) {
        keep_->begin_name();
    }
    return header_name(p, end);
}

// Header lines wholly in view, one after another: the name scanned 8 bytes
// at a time and known by its length, a value we do not interpret skipped with
// memchr, a simple interpreted value read at once, the empty line ending the
// head. Stops, in state header_line_start, at the first line it leaves to the
// byte-level way; or after a name whose value that way must read.
const char* ResponseParser::header_lines(const char* p, const char* end) {
    while (p < end) {
        if (is_line_end(*p)) {
            const char* next = past_line_end(p, end);
            if (next != nullptr) {
                go(State::head_end);
            }
            return next == nullptr ? p : next;
        }
        const char* colon = detail::tchar_run_end(p, end);
        if (colon == p || colon == end || *colon != ':') {
            return p;
        }
        header_kind_ =
            static_cast<HeaderKind>(interpreted_name(p, static_cast<std::size_t>(colon - p)));
        const char* next = header_kind_ == HeaderKind::other ? past_lf(colon + 1, end)
                                                             : simple_value(colon + 1, end);
        if (next == nullptr) {
            begin_value();
            return colon + 1;
        }
        p = next;
    }
    return p;
}

// An interpreted value in its simplest form, wholly in view: OWS, one number
// (Content-Length) or one token (Transfer-Encoding, Connection), OWS, line
// end. Records it as the byte-level way would and returns the next line; on
// anything else nullptr, having changed nothing.
const char* ResponseParser::simple_value(const char* p, const char* end) {
    p = skip_ows(p, end);
    const char* first = p;
    if (header_kind_ == HeaderKind::content_length) {
        int64_t number = 0;
        // 18 digits cannot overflow; longer numbers take the checked way.
        for (; p < end && is_digit(*p) && p - first < 18; ++p) {
            number = number * 10 + (*p - '0');
        }
        const char* next = p > first ? past_line_end(skip_ows(p, end), end) : nullptr;
        if (next == nullptr || (has_content_length_ && content_length_ != number)) {
            return nullptr;  // also a conflict: the byte-level way fails at the right byte
        }
        has_content_length_ = true;
        content_length_ = number;
        return next;
    }
    p = detail::tchar_run_end(p, end);
    const char* next = p > first ? past_line_end(skip_ows(p, end), end) : nullptr;
    if (next == nullptr) {
        return nullptr;
    }
    const uint8_t token = whole_token(first, static_cast<std::size_t>(p - first));
    if (header_kind_ == HeaderKind::transfer_encoding) {
        has_transfer_encoding_ = true;
        chunked_ = token == kTokenChunked;
    } else {
        connection_close_ = connection_close_ || token == kTokenClose;
        connection_keep_alive_ = connection_keep_alive_ || token == kTokenKeepAlive;
    }
    return next;
}

// Matches the name run by run against the headers we interpret; a name split
// across feeds continues where it stopped (match_pos_).
const char* ResponseParser::header_name(const char* p, const char* end) {
    const char* run_end = p;
    while (run_end < end && detail::is_tchar(*run_end)) {
        ++run_end;
    }
    const bool colon = run_end < end && *run_end == ':';
    if (run_end < end && !colon) {
        fail("invalid header name");  // includes a space before the colon (RFC 9112 5.1)
        return run_end;
    }
    const auto n = static_cast<std::size_t>(run_end - p);
    if (match_alive_ != 0) {
        match_alive_ = narrow(kHeaderNames, match_alive_, match_pos_, p, n, colon);
    }
    match_pos_ = saturating_add(match_pos_, n);
    if (keep_ != nullptr) {
        keep_->match_name(p, n, colon);
    }
    if (!colon) {
        return run_end;
    }
    if (keep_ != nullptr) {
        keep_->begin_value();
    }
    header_kind_ = match_alive_ == 0 ? HeaderKind::other
                                     : static_cast<HeaderKind>(std::countr_zero(match_alive_) + 1);
    begin_value();
    return run_end + 1;
}

void ResponseParser::begin_value() {
    switch (header_kind_) {
        case HeaderKind::other:
            state_ = State::value_skip;
            return;
        case HeaderKind::content_length:
            state_ = State::value_content_length;
            number_ = 0;
            pos_ = 0;
            return;
        case HeaderKind::transfer_encoding:
        case HeaderKind::connection:
            state_ = State::value_token_list;
            begin_list_token();
            return;
    }
}

// Content-Length: 1#DIGIT with OWS; a list of equal values is accepted
// (RFC 9110 8.6), different ones are not. pos_ is 1 once a digit was read.
const char* ResponseParser::content_length_value(const char* p) {
    const char c = *p;
    if (state_ == State::value_content_length && is_digit(c)) {
        const int digit = c - '0';
        if (number_ > (kInt64Max - digit) / 10) {
            fail("invalid Content-Length");
            return p;
        }
        number_ = number_ * 10 + digit;
        pos_ = 1;
        return p + 1;
    }
    if (is_ows(c)) {
        if (state_ == State::value_content_length && pos_ != 0) {
            if (!commit_content_length()) {
                return p;
            }
            state_ = State::value_after_length;
        }
        return p + 1;
    }
    if (c != ',' && !is_line_end(c)) {
        fail("invalid Content-Length");
        return p;
    }
    if (state_ == State::value_content_length && !commit_content_length()) {
        return p;
    }
    if (c == ',') {
        state_ = State::value_content_length;
    } else {
        end_line(c, State::header_line_start);
    }
    return p + 1;
}

bool ResponseParser::commit_content_length() {
    if (pos_ == 0) {
        fail("invalid Content-Length");
        return false;
    }
    if (has_content_length_ && content_length_ != number_) {
        fail("conflicting Content-Length values");
        return false;
    }
    has_content_length_ = true;
    content_length_ = number_;
    number_ = 0;
    pos_ = 0;
    return true;
}

void ResponseParser::begin_list_token() {
    match_alive_ = header_kind_ == HeaderKind::transfer_encoding ? kTokenChunked
                                                                 : (kTokenClose | kTokenKeepAlive);
    match_pos_ = 0;
    token_ended_ = false;
}

// #token lists: a token followed by anything but OWS, ',' or the line end
// (a parameter such as ";q=1") matches nothing.
const char* ResponseParser::token_list_value(const char* p, const char* end) {
    while (p < end) {
        const char c = *p;
        if (detail::is_tchar(c) && !token_ended_) {
            const char* run_end = p + 1;
            while (run_end < end && detail::is_tchar(*run_end)) {
                ++run_end;
            }
            const auto n = static_cast<std::size_t>(run_end - p);
            if (match_alive_ != 0) {
                match_alive_ = narrow(kListTokens, match_alive_, match_pos_, p, n, false);
            }
            match_pos_ = saturating_add(match_pos_, n);
            p = run_end;
            continue;
        }
        if (is_line_end(c)) {
            end_list_token();
            end_line(c, State::header_line_start);
            return p + 1;
        }
        if (c == ',') {
            end_list_token();
        } else if (is_ows(c)) {
            token_ended_ = match_pos_ != 0;
        } else {
            match_alive_ = 0;
            match_pos_ = std::max<uint8_t>(match_pos_, 1);
        }
        ++p;
    }
    return p;
}

void ResponseParser::end_list_token() {
    if (match_pos_ != 0) {
        const uint8_t token = matched(kListTokens, match_alive_, match_pos_);
        if (header_kind_ == HeaderKind::transfer_encoding) {
            // Only chunked as the final coding delimits the body.
            has_transfer_encoding_ = true;
            chunked_ = token == kTokenChunked;
        } else {
            connection_close_ = connection_close_ || token == kTokenClose;
            connection_keep_alive_ = connection_keep_alive_ || token == kTokenKeepAlive;
        }
    }
    begin_list_token();
}

// Decides how the body is delimited (RFC 9112 6.3).
void ResponseParser::finish_head() {
    if (status_code_ < 200) {
        if (status_code_ == 101) {
            // Switching Protocols: what follows is not HTTP/1.1 any more.
            keep_alive_ = false;
            state_ = State::done;
            return;
        }
        begin_response();  // interim (100 Continue, 103): the final response follows
        return;
    }
    keep_alive_ = !connection_close_ && (!http10_ || connection_keep_alive_);
    if (request_was_head_ || status_code_ == 204 || status_code_ == 304) {
        state_ = State::done;
    } else if (chunked_) {
        state_ = State::chunk_size;
        remaining_ = 0;
        pos_ = 0;
    } else if (has_content_length_ && !has_transfer_encoding_) {
        remaining_ = content_length_;
        state_ = remaining_ == 0 ? State::done : State::body_length;
    } else {
        keep_alive_ = false;  // a Transfer-Encoding other than chunked also ends at close
        state_ = State::body_until_close;
    }
}

const char* ResponseParser::step_body(const char* p, const char* end) {
    switch (state_) {
        case State::body_length:
        case State::chunk_data: {
            const int64_t take = std::min<int64_t>(remaining_, end - p);
            if (keep_ != nullptr) {
                keep_->append_body(p, take);
            }
            remaining_ -= take;
            body_bytes_ += take;
            if (remaining_ == 0) {
                state_ = state_ == State::body_length ? State::done : State::chunk_data_end;
            }
            return p + take;
        }
        case State::body_until_close:
            if (keep_ != nullptr) {
                keep_->append_body(p, end - p);
            }
            body_bytes_ += end - p;
            return end;
        case State::chunk_data_end:
            if (!is_line_end(*p)) {
                fail("invalid chunk: data not followed by CRLF");
                return p;
            }
            pos_ = 0;
            end_line(*p, State::chunk_size);
            return p + 1;
        case State::trailer_line_start:
            if (is_line_end(*p)) {
                end_line(*p, State::done);
                return p + 1;
            }
            state_ = State::trailer_skip;
            return p;
        case State::trailer_skip: {
            const char* lf = find_lf(p, end);
            if (lf == nullptr) {
                return end;
            }
            state_ = State::trailer_line_start;
            return lf + 1;
        }
        case State::body_lf:
            return take_lf(p);
        default:
            return chunk_size_line(p, end);
    }
}

// chunk-size [ chunk-ext ] CRLF; remaining_ accumulates the size, pos_ is 1
// once a hex digit was read.
const char* ResponseParser::chunk_size_line(const char* p, const char* end) {
    const char c = *p;
    const State after_line = remaining_ == 0 ? State::trailer_line_start : State::chunk_data;
    if (state_ == State::chunk_extension) {
        const char* lf = find_lf(p, end);
        if (lf == nullptr) {
            return end;
        }
        state_ = after_line;
        return lf + 1;
    }
    BARRAGE_ASSERT(state_ == State::chunk_size || state_ == State::chunk_size_end);
    if (state_ == State::chunk_size && hex_value(c) >= 0) {
        for (int digit = hex_value(*p); digit >= 0; digit = p < end ? hex_value(*p) : -1) {
            if (remaining_ > (kInt64Max >> 4)) {
                fail("invalid chunk size");
                return p;
            }
            remaining_ = remaining_ * 16 + digit;
            ++p;
        }
        pos_ = 1;
        return p;
    }
    if (pos_ == 0 || !(is_ows(c) || c == ';' || is_line_end(c))) {
        fail("invalid chunk size");
        return p;
    }
    if (is_ows(c)) {
        state_ = State::chunk_size_end;
    } else if (c == ';') {
        state_ = State::chunk_extension;
    } else {
        end_line(c, after_line);
    }
    return p + 1;
}

}  // namespace barrage::http
