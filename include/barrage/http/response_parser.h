#pragma once
// Incremental HTTP/1.1 response parser for the client. Streaming: it keeps
// O(1) state per connection (no header buffer), so it accepts a response split
// at any byte and never allocates. The body is counted, not stored, unless
// an optional ResponseKeep is attached (keep()): then the decoded body, up to
// a limit, and the values of selected headers are kept for response checks
// and captures. Without one the fast path is unchanged.
//
// Delimiting, per RFC 9112 section 6.3: HEAD responses, 1xx, 204 and 304 have
// no body; Transfer-Encoding: chunked (chunk extensions and trailers
// accepted); Content-Length; otherwise the body runs until the server closes.
// 1xx interim responses (e.g. 100 Continue) are skipped transparently.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "barrage/base/result.h"

namespace barrage::http {

enum class ParseStatus : uint8_t {
    complete,  // a whole response was read; `consumed` bytes belong to it
    partial,   // all input consumed, need more
    invalid,   // not HTTP/1.x, or a limit was exceeded; see error()
};

struct ResponseLimits {
    int64_t header_bytes_max = 64 * 1024;  // status line + headers
};

struct ResponseKeepLimits {
    int64_t body_bytes_max = 64 * 1024;         // body bytes kept; the rest is counted only
    int64_t header_value_bytes_max = 8 * 1024;  // bytes kept of each selected header value
};

// What the parser keeps of one response when keep mode is on: the body
// (decoded from chunked, without trailers) up to a limit, and the value of the
// first occurrence of each selected header, OWS trimmed. All storage is
// reserved at creation, so keeping never allocates. One per connection.
class ResponseKeep {
public:
    static constexpr std::size_t kHeaderNamesMax = 64;

    // header_names: HTTP tokens, matched ignoring case, at most kHeaderNamesMax.
    // Errors: a name that is not a token, too many names, limits below zero.
    static base::Result<ResponseKeep> create(const std::vector<std::string>& header_names,
                                             ResponseKeepLimits limits = {});

    // Forgets the kept response (the parser calls it on reset()).
    void clear();

    std::string_view body() const { return body_; }
    // True when the body was longer than body_bytes_max; body() holds its start.
    bool body_truncated() const { return body_truncated_; }
    // The value of the header named `name` (any case), or nullopt when the
    // response had none or `name` was not selected at creation.
    std::optional<std::string_view> header(std::string_view name) const;
    // True when that header's value was longer than header_value_bytes_max.
    bool header_truncated(std::string_view name) const;
    const ResponseKeepLimits& limits() const { return limits_; }

private:
    friend class ResponseParser;
    struct Header {
        std::string name;  // lowercase
        std::string value;
        bool present = false;
        bool truncated = false;
    };

    ResponseKeep() = default;
    const Header* find(std::string_view name) const;
    void begin_name();
    void match_name(const char* segment, std::size_t n, bool last);
    void begin_value();
    void append_value(const char* p, const char* end);
    void end_value();
    void append_body(const char* p, int64_t n);

    ResponseKeepLimits limits_;
    std::vector<Header> headers_;
    std::string body_;
    bool body_truncated_ = false;
    uint64_t name_alive_ = 0;   // bit i: headers_[i].name still matches
    std::size_t name_pos_ = 0;  // bytes of the current header name seen
    Header* value_ = nullptr;   // the header whose value is being kept
};

class ResponseParser {
public:
    explicit ResponseParser(ResponseLimits limits = {});

    // Prepares for the next response. request_was_head: the response has no body.
    void reset(bool request_was_head = false);

    // Consumes bytes of the current response from `data`. Sets `consumed` to
    // how many bytes were used: on complete the rest of `data` belongs to the
    // next response (pipelining); on partial it equals data.size().
    ParseStatus feed(std::span<const char> data, std::size_t& consumed);

    // The server closed the connection. Returns complete when the response was
    // delimited by close (no Content-Length, not chunked) and its headers were
    // read; invalid otherwise (error() says why, e.g. "connection closed
    // mid-body").
    ParseStatus finish_on_eof();

    // Turns keep mode on (a ResponseKeep that outlives its use here) or off
    // (nullptr, the default). Takes effect from the next reset().
    void keep(ResponseKeep* keep) { keep_ = keep; }

    // True when no byte of the current response has been seen yet.
    bool idle() const;

    int status_code() const { return status_code_; }
    // False when the server sent "Connection: close", or HTTP/1.0 without
    // "Connection: keep-alive", or a close-delimited body.
    bool keep_alive() const { return keep_alive_; }
    int64_t header_bytes() const { return header_bytes_; }
    int64_t body_bytes() const { return body_bytes_; }
    // Static string describing why the parse is invalid; "" otherwise.
    const char* error() const { return error_; }

private:
    // States of the byte-level machine; see response_parser.cc. Head states
    // come first so in_head() is one comparison.
    enum class State : uint8_t;
    enum class HeaderKind : uint8_t;

    bool in_head() const;
    void fail(const char* why);
    void go(State next);
    void end_line(char c, State next);
    const char* take_lf(const char* p);
    const char* parse_head(const char* p, const char* end);
    const char* step_head_keeping(const char* p, const char* end);
    const char* step_head(const char* p, const char* end);
    const char* step_status(const char* p, const char* end);
    bool status_prefix(const char* p);
    const char* header_line_start(const char* p, const char* end);
    const char* header_lines(const char* p, const char* end);
    const char* simple_value(const char* p, const char* end);
    const char* header_name(const char* p, const char* end);
    void begin_value();
    const char* content_length_value(const char* p);
    bool commit_content_length();
    void begin_list_token();
    const char* token_list_value(const char* p, const char* end);
    void end_list_token();
    void begin_response();
    void finish_head();
    const char* step_body(const char* p, const char* end);
    const char* chunk_size_line(const char* p, const char* end);
    bool in_value() const;

    ResponseLimits limits_;
    ResponseKeep* keep_ = nullptr;  // keep mode when set
    int64_t content_length_ = 0;
    int64_t number_ = 0;     // Content-Length digits read so far
    int64_t remaining_ = 0;  // body or chunk bytes left; chunk size while read
    int64_t header_bytes_ = 0;
    int64_t body_bytes_ = 0;
    const char* error_ = "";
    int status_code_ = 0;
    State state_{};
    State after_lf_{};          // entered after the LF that follows a CR
    HeaderKind header_kind_{};  // which header's value is being read
    uint8_t pos_ = 0;           // bytes into the current literal, status code or number
    uint8_t match_alive_ = 0;   // bit i: candidate name i still matches
    uint8_t match_pos_ = 0;     // bytes of the current name or token matched (saturates)
    bool request_was_head_ = false;
    bool keep_alive_ = true;
    bool http10_ = false;
    bool chunked_ = false;
    bool has_content_length_ = false;
    bool has_transfer_encoding_ = false;
    bool connection_close_ = false;
    bool connection_keep_alive_ = false;
    bool token_ended_ = false;  // a space ended the current list token
};

}  // namespace barrage::http
