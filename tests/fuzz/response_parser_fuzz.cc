// libFuzzer target for the response parser. The first input byte picks the
// options and the piece size; the rest is the byte stream from the server.
// The stream is parsed whole and again in pieces: both must give the same
// responses (split invariance), and every result must satisfy the contract.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "barrage/http/response_parser.h"

namespace {

using barrage::http::ParseStatus;
using barrage::http::ResponseLimits;
using barrage::http::ResponseParser;

#define FUZZ_CHECK(cond)                                                                  \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                 \
        }                                                                                 \
    } while (0)

struct Outcome {
    ParseStatus status;
    std::size_t end;  // offset in the stream just past the response
    int status_code;
    bool keep_alive;
    int64_t header_bytes;
    int64_t body_bytes;
    const char* error;

    // Stricter than the contract, which leaves open where an invalid parse
    // stops: this parser stops at the same byte however the stream is split.
    bool same_as(const Outcome& other) const {
        return status == other.status && end == other.end && status_code == other.status_code &&
               keep_alive == other.keep_alive && header_bytes == other.header_bytes &&
               body_bytes == other.body_bytes && std::strcmp(error, other.error) == 0;
    }
};

struct Options {
    bool head;
    bool eof;
    ResponseLimits limits;
    std::size_t piece_size;
};

void check_result(const ResponseParser& parser, ParseStatus status, const Options& options) {
    FUZZ_CHECK(parser.header_bytes() >= 0);
    FUZZ_CHECK(parser.header_bytes() <= options.limits.header_bytes_max);
    FUZZ_CHECK(parser.body_bytes() >= 0);
    if (status == ParseStatus::invalid) {
        FUZZ_CHECK(parser.error()[0] != '\0');
        return;
    }
    FUZZ_CHECK(parser.error()[0] == '\0');
    if (status == ParseStatus::complete) {
        FUZZ_CHECK(parser.status_code() >= 100 && parser.status_code() <= 999);
        FUZZ_CHECK(parser.status_code() >= 200 || parser.status_code() == 101);
        FUZZ_CHECK(parser.header_bytes() >= 14);  // "HTTP/1.1 200\n\n" at least
        FUZZ_CHECK(!options.head || parser.body_bytes() == 0);
    }
}

// Feeds `stream` in pieces of `piece_size`, resetting after each complete
// response like the engine; returns one Outcome per response.
std::vector<Outcome> parse(std::span<const char> stream, std::size_t piece_size,
                           const Options& options) {
    ResponseParser parser(options.limits);
    parser.reset(options.head);
    std::vector<Outcome> outcomes;
    std::size_t at = 0;
    while (at < stream.size()) {
        const std::size_t piece_end = std::min(stream.size(), at + piece_size);
        while (at < piece_end) {
            std::size_t consumed = 0;
            const ParseStatus status = parser.feed(stream.subspan(at, piece_end - at), consumed);
            FUZZ_CHECK(consumed <= piece_end - at);
            FUZZ_CHECK(status != ParseStatus::partial || consumed == piece_end - at);
            check_result(parser, status, options);
            at += consumed;
            if (status == ParseStatus::partial) {
                break;
            }
            outcomes.push_back({status, at, parser.status_code(), parser.keep_alive(),
                                parser.header_bytes(), parser.body_bytes(), parser.error()});
            if (status == ParseStatus::invalid) {
                return outcomes;
            }
            FUZZ_CHECK(consumed > 0);  // a response is never empty
            parser.reset(options.head);
            FUZZ_CHECK(parser.idle());
        }
    }
    if (options.eof && !parser.idle()) {
        const ParseStatus status = parser.finish_on_eof();
        FUZZ_CHECK(status != ParseStatus::partial);
        check_result(parser, status, options);
        FUZZ_CHECK(status != ParseStatus::complete || !parser.keep_alive());
        outcomes.push_back({status, stream.size(), parser.status_code(), parser.keep_alive(),
                            parser.header_bytes(), parser.body_bytes(), parser.error()});
    }
    return outcomes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const uint8_t control = data[0];
    Options options{};
    options.head = (control & 1) != 0;
    options.eof = (control & 2) != 0;
    // A small header limit now and then drives the "too large" path.
    options.limits.header_bytes_max = (control & 4) != 0 ? 96 : 64 * 1024;
    options.piece_size = 1 + (control >> 3);  // 1..32 bytes
    const std::span<const char> stream(reinterpret_cast<const char*>(data + 1), size - 1);

    const std::vector<Outcome> whole = parse(stream, stream.size() + 1, options);
    const std::vector<Outcome> pieces = parse(stream, options.piece_size, options);
    FUZZ_CHECK(whole.size() == pieces.size());
    for (std::size_t i = 0; i < whole.size(); ++i) {
        FUZZ_CHECK(whole[i].same_as(pieces[i]));
    }
    return 0;
}
