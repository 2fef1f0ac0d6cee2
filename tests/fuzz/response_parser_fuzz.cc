// libFuzzer target for the response parser. The first input byte picks the
// options and the piece size; the rest is the byte stream from the server.
// The stream is parsed whole and again in pieces: both must give the same
// responses (split invariance), and every result must satisfy the contract.
// Keep mode runs too, whole and in pieces: it must not change any outcome,
// and what it keeps must not depend on the split either.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "barrage/http/response_parser.h"
#include "fuzz_check.h"

namespace {

using barrage::http::ParseStatus;
using barrage::http::ResponseKeep;
using barrage::http::ResponseKeepLimits;
using barrage::http::ResponseLimits;
using barrage::http::ResponseParser;

struct Outcome {
    ParseStatus status;
    std::size_t end;  // offset in the stream just past the response
    int status_code;
    bool keep_alive;
    int64_t header_bytes;
    int64_t body_bytes;
    const char* error;
    std::string kept;  // body and header values kept in keep mode, "" otherwise

    // Stricter than the contract, which leaves open where an invalid parse
    // stops: this parser stops at the same byte however the stream is split.
    bool same_as(const Outcome& other) const {
        return status == other.status && end == other.end && status_code == other.status_code &&
               keep_alive == other.keep_alive && header_bytes == other.header_bytes &&
               body_bytes == other.body_bytes && std::strcmp(error, other.error) == 0;
    }
    bool same_kept(const Outcome& other) const { return same_as(other) && kept == other.kept; }
};

struct Options {
    bool head;
    bool eof;
    ResponseLimits limits;
    std::size_t piece_size;
    ResponseKeepLimits keep_limits;
};

// Names interpreted by the parser and not, for keep mode.
const std::vector<std::string> kKeptNames = {"x-a", "content-length", "connection", "set-cookie"};

// Checks what keep mode kept and flattens it for comparison.
std::string kept_of(const ResponseParser& parser, ParseStatus status, const ResponseKeep* keep,
                    const Options& options) {
    if (keep == nullptr) {
        return "";
    }
    const int64_t body_max = options.keep_limits.body_bytes_max;
    const auto kept_size = static_cast<int64_t>(keep->body().size());
    FUZZ_CHECK(kept_size <= body_max);
    if (status == ParseStatus::complete) {
        FUZZ_CHECK(kept_size == std::min(parser.body_bytes(), body_max));
        FUZZ_CHECK(keep->body_truncated() == (parser.body_bytes() > body_max));
    }
    std::string kept(keep->body());
    kept += keep->body_truncated() ? "|T" : "|-";
    for (const std::string& name : kKeptNames) {
        const auto value = keep->header(name);
        if (value) {
            FUZZ_CHECK(static_cast<int64_t>(value->size()) <=
                       options.keep_limits.header_value_bytes_max);
            // A value is trimmed when its line ends, so only in a whole head.
            FUZZ_CHECK(status != ParseStatus::complete || value->empty() ||
                       (value->front() != ' ' && value->back() != ' '));
            FUZZ_CHECK(value->find_first_of("\r\n") == std::string_view::npos);
        }
        kept += "|" + (value ? std::string(*value) : "<none>");
        kept += keep->header_truncated(name) ? "T" : "-";
    }
    return kept;
}

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
                           const Options& options, ResponseKeep* keep) {
    ResponseParser parser(options.limits);
    parser.keep(keep);
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
                                parser.header_bytes(), parser.body_bytes(), parser.error(),
                                kept_of(parser, status, keep, options)});
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
                            parser.header_bytes(), parser.body_bytes(), parser.error(),
                            kept_of(parser, status, keep, options)});
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

    // Small keep limits, tied to the piece size, reach the truncation paths.
    options.keep_limits.body_bytes_max = static_cast<int64_t>(options.piece_size) * 3;
    options.keep_limits.header_value_bytes_max = static_cast<int64_t>(options.piece_size);
    auto keep_result = ResponseKeep::create(kKeptNames, options.keep_limits);
    FUZZ_CHECK(keep_result.ok());
    ResponseKeep keep = std::move(keep_result).value();

    const std::vector<Outcome> whole = parse(stream, stream.size() + 1, options, nullptr);
    const std::vector<Outcome> pieces = parse(stream, options.piece_size, options, nullptr);
    const std::vector<Outcome> kept_whole = parse(stream, stream.size() + 1, options, &keep);
    const std::vector<Outcome> kept_pieces = parse(stream, options.piece_size, options, &keep);
    FUZZ_CHECK(whole.size() == pieces.size());
    FUZZ_CHECK(whole.size() == kept_whole.size());
    FUZZ_CHECK(whole.size() == kept_pieces.size());
    for (std::size_t i = 0; i < whole.size(); ++i) {
        FUZZ_CHECK(whole[i].same_as(pieces[i]));
        FUZZ_CHECK(whole[i].same_as(kept_whole[i]));
        FUZZ_CHECK(kept_whole[i].same_kept(kept_pieces[i]));
    }
    return 0;
}
