#include <dirent.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "barrage/gate/exit_code.h"
#include "barrage/report/generator_health.h"
#include "barrage/report/interval_streams.h"
#include "barrage/report/json_writer.h"
#include "barrage/report/levels_report.h"
#include "barrage/report/run_report.h"
#include "barrage/report/watch_report.h"
#include "barrage/stats/hlog.h"
#include "test_support.h"

namespace {

using barrage::plan::RunPlan;
using barrage::report::json_quote;
using barrage::report::JsonWriter;
using barrage::stats::ErrorKind;
using barrage::stats::IntervalRow;
using barrage::stats::RunResult;

// ---------------------------------------------------------------------------
// A strict little JSON reader, so the tests check what a script would read
// rather than the writer's own idea of its output.

struct Json {
    enum class Type { null, boolean, number, string, array, object };
    Type type = Type::null;
    bool flag = false;
    std::string text;  // the decoded string, or a number's literal text
    std::vector<Json> items;
    std::vector<std::pair<std::string, Json>> members;

    const Json& operator[](std::string_view key) const {
        for (const auto& [name, member] : members) {
            if (name == key) {
                return member;
            }
        }
        FAIL("missing JSON key: " << std::string(key));
        return *this;
    }
    bool has(std::string_view key) const {
        for (const auto& member : members) {
            if (member.first == key) {
                return true;
            }
        }
        return false;
    }
    double number() const {
        REQUIRE(type == Type::number);
        return std::strtod(text.c_str(), nullptr);
    }
    std::vector<std::string> keys() const {
        std::vector<std::string> names;
        for (const auto& member : members) {
            names.push_back(member.first);
        }
        return names;
    }
};

void append_utf8(std::string& out, uint32_t code_point) {
    if (code_point < 0x80) {
        out += static_cast<char>(code_point);
    } else if (code_point < 0x800) {
        out += static_cast<char>(0xC0 | (code_point >> 6));
        out += static_cast<char>(0x80 | (code_point & 0x3F));
    } else if (code_point < 0x10000) {
        out += static_cast<char>(0xE0 | (code_point >> 12));
        out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code_point & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (code_point >> 18));
        out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code_point & 0x3F));
    }
}

class JsonReader {
public:
    explicit JsonReader(std::string_view text) : text_(text) {}

    std::optional<Json> document() {
        Json root;
        if (!value(root)) {
            return std::nullopt;
        }
        skip_space();
        return at_ == text_.size() ? std::optional<Json>(root) : std::nullopt;
    }

private:
    void skip_space() {
        while (at_ < text_.size() &&
               std::string_view(" \t\r\n").find(text_[at_]) != std::string_view::npos) {
            ++at_;
        }
    }
    bool eat(char c) {
        skip_space();
        if (at_ < text_.size() && text_[at_] == c) {
            ++at_;
            return true;
        }
        return false;
    }
    bool literal(std::string_view word) {
        if (text_.substr(at_, word.size()) != word) {
            return false;
        }
        at_ += word.size();
        return true;
    }
    bool value(Json& out) {
        skip_space();
        if (at_ >= text_.size()) {
            return false;
        }
        const char c = text_[at_];
        if (c == '{') {
            return object(out);
        }
        if (c == '[') {
            return array(out);
        }
        if (c == '"') {
            out.type = Json::Type::string;
            return string(out.text);
        }
        if (literal("null")) {
            return true;
        }
        if (literal("true") || literal("false")) {
            out.type = Json::Type::boolean;
            out.flag = text_[at_ - 1] == 'e' && text_[at_ - 2] == 'u';
            return true;
        }
        return number(out);
    }
    bool digits() {
        const std::size_t start = at_;
        while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') {
            ++at_;
        }
        return at_ > start;
    }
    bool number(Json& out) {
        const std::size_t start = at_;
        literal("-");
        if (literal("0")) {
            if (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') {
                return false;  // no leading zeros
            }
        } else if (!digits()) {
            return false;
        }
        if (literal(".") && !digits()) {
            return false;
        }
        if (literal("e") || literal("E")) {
            if (!literal("+")) {
                literal("-");
            }
            if (!digits()) {
                return false;
            }
        }
        out.type = Json::Type::number;
        out.text = std::string(text_.substr(start, at_ - start));
        return true;
    }
    bool hex4(uint32_t& code) {
        if (at_ + 4 > text_.size()) {
            return false;
        }
        code = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = text_[at_++];
            const int digit = c >= '0' && c <= '9'   ? c - '0'
                              : c >= 'a' && c <= 'f' ? c - 'a' + 10
                              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                     : -1;
            if (digit < 0) {
                return false;
            }
            code = code * 16 + static_cast<uint32_t>(digit);
        }
        return true;
    }
    bool escape(std::string& out) {
        const char c = text_[at_++];
        const std::string_view simple = "\"\\/bfnrt";
        const std::string_view meaning = "\"\\/\b\f\n\r\t";
        if (const auto i = simple.find(c); i != std::string_view::npos) {
            out += meaning[i];
            return true;
        }
        uint32_t code = 0;
        if (c != 'u' || !hex4(code)) {
            return false;
        }
        if (code >= 0xD800 && code <= 0xDBFF) {
            uint32_t low = 0;
            if (!literal("\\u") || !hex4(low) || low < 0xDC00 || low > 0xDFFF) {
                return false;
            }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
        } else if (code >= 0xDC00 && code <= 0xDFFF) {
            return false;
        }
        append_utf8(out, code);
        return true;
    }
    bool string(std::string& out) {
        ++at_;  // opening quote
        while (at_ < text_.size()) {
            const char c = text_[at_++];
            if (c == '"') {
                return true;
            }
            if (static_cast<unsigned char>(c) < 0x20) {
                return false;  // raw control characters are not allowed
            }
            if (c != '\\') {
                out += c;
            } else if (at_ >= text_.size() || !escape(out)) {
                return false;
            }
        }
        return false;
    }
    bool object(Json& out) {
        ++at_;
        out.type = Json::Type::object;
        if (eat('}')) {
            return true;
        }
        do {
            std::string name;
            Json member;
            skip_space();
            if (at_ >= text_.size() || text_[at_] != '"' || !string(name) || !eat(':') ||
                !value(member)) {
                return false;
            }
            out.members.emplace_back(std::move(name), std::move(member));
        } while (eat(','));
        return eat('}');
    }
    bool array(Json& out) {
        ++at_;
        out.type = Json::Type::array;
        if (eat(']')) {
            return true;
        }
        do {
            Json item;
            if (!value(item)) {
                return false;
            }
            out.items.push_back(std::move(item));
        } while (eat(','));
        return eat(']');
    }

    std::string_view text_;
    std::size_t at_ = 0;
};

Json parse(std::string_view text) {
    auto document = JsonReader(text).document();
    REQUIRE_MESSAGE(document.has_value(), "not valid JSON:\n" << std::string(text));
    return *document;
}

// Well-formed UTF-8 by decoding each code point (a different method from the
// writer's range table): no overlongs, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const auto lead = static_cast<unsigned char>(text[i]);
        const int length = lead < 0x80         ? 1
                           : lead >> 5 == 0x6  ? 2
                           : lead >> 4 == 0xE  ? 3
                           : lead >> 3 == 0x1E ? 4
                                               : 0;
        if (length == 0 || i + static_cast<std::size_t>(length) > text.size()) {
            return false;
        }
        uint32_t code = length == 1 ? lead : lead & (0x7Fu >> length);
        for (int k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]);
            if ((next & 0xC0) != 0x80) {
                return false;
            }
            code = (code << 6) | (next & 0x3Fu);
        }
        const uint32_t min_for_length[] = {0, 0, 0x80, 0x800, 0x10000};
        if (code < min_for_length[length] || code > 0x10FFFF ||
            (code >= 0xD800 && code <= 0xDFFF)) {
            return false;
        }
        i += static_cast<std::size_t>(length);
    }
    return true;
}

using barrage::test::aborts;
using barrage::test::read_file;
using barrage::test::ScratchDirectory;

// Runs `fn` in a child process (as user nobody when we are root, since root
// passes every permission check) and reports whether it returned true.
template <typename Fn>
bool exits_zero_as_unprivileged(Fn fn) {
    const pid_t pid = fork();
    if (pid == 0) {
        constexpr uid_t nobody = 65534;
        if (geteuid() == 0 && (setgid(nobody) != 0 || setuid(nobody) != 0)) {
            _exit(2);
        }
        _exit(fn() ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// ---------------------------------------------------------------------------
// A crafted run: open loop, 1000 req/s for 10 s, with known histograms.

// A URL run's load (-r, -d, --warmup) over the plan's one request.
void set_load(RunPlan& plan, std::optional<double> rate_per_s, int64_t duration_ns,
              int64_t warmup_ns) {
    barrage::plan::set_url_run(plan, {rate_per_s, duration_ns, warmup_ns},
                               barrage::plan::first_request(plan));
}

// The same load, closed loop.
void set_closed_loop(RunPlan& plan) {
    set_load(plan, std::nullopt, barrage::plan::measured_ns(plan), barrage::plan::warmup_ns(plan));
}

RunPlan open_loop_plan() {
    RunPlan plan;
    plan.target.host = "127.0.0.1";
    plan.target.port = 8080;
    plan.target.path = "/api?x=1";
    plan.target.host_header = "127.0.0.1:8080";
    plan.target.address_text = "127.0.0.1:8080";
    plan.connections = 10;
    plan.threads = 2;
    plan.cpus = {0, 1};
    barrage::plan::NamedRequest request;
    request.method = "POST";
    request.headers = {{"Content-Type", "application/json"}, {"X-Quote", "say \"hi\""}};
    request.body = "{\"a\":1}";
    barrage::plan::set_url_run(plan, {1000.0, 10'000'000'000, 2'000'000'000}, request);
    plan.timeout_ns = 2'500'000'000;
    plan.interval_ns = 1'000'000'000;
    plan.command_line = "barrage run http://127.0.0.1:8080/api?x=1 -r 1000";
    return plan;
}

IntervalRow interval_row(double t_s, double length_s, int64_t completed, int64_t errors) {
    IntervalRow row;
    row.t_s = t_s;
    row.length_s = length_s;
    row.counters.requests_completed = completed;
    row.counters.requests_errors = errors;
    row.latency_p50_us = 500;
    row.latency_p90_us = 900;
    row.latency_p99_us = 990;
    row.latency_p999_us = 1234;
    row.latency_max_us = 2'500'000;
    row.latency_p95_us = 950;
    return row;
}

RunResult crafted_result() {
    RunResult result;
    auto& c = result.totals.counters;
    c.requests_sent = 10'000;
    c.requests_completed = 9'990;
    c.requests_errors = 7;
    c.requests_late = 12;
    c.requests_unsent = 1;
    c.requests_unfinished = 3;
    c.connections_opened = 13;
    c.reconnects = 2;
    c.bytes_sent = 1'000'000;
    c.bytes_received = 12'345'678;
    c.errors[static_cast<std::size_t>(ErrorKind::connect)] = 3;
    c.errors[static_cast<std::size_t>(ErrorKind::timeout)] = 7;
    c.request_failures[static_cast<std::size_t>(ErrorKind::timeout)] = 7;
    for (int i = 0; i < 9'980; ++i) {
        c.count_status(200);
    }
    for (int i = 0; i < 10; ++i) {
        c.count_status(404);
    }
    for (int64_t us = 1; us <= 1000; ++us) {
        result.totals.latency_us.record_value(us);  // exact below 2048 at 3 figures
    }
    result.totals.service_time_us.record_value(850);
    result.totals.service_time_us.record_value(1234);
    result.totals.service_time_us.record_value(2'500'000);
    result.totals.schedule_lag_us.record_value(5);
    result.duration_s = 10.0;
    result.asked_rate_rps = 1000.0;  // open_loop_plan() asks 1000 req/s
    result.drain_s = 0.25;
    result.connections_target = 10;
    result.connections_established_max = 10;
    result.threads = 2;
    result.cpus = {0, -1};
    result.warnings = {"12 requests waited for a free connection"};
    result.error_details = {"connect: Connection refused (127.0.0.1:1)",
                            "timeout: no response within 2.5s"};
    result.intervals = {interval_row(1.0, 1.0, 1000, 1), interval_row(1.5, 0.5, 499, 0)};
    return result;
}

std::vector<std::string> directory_entries(const std::string& directory) {
    std::vector<std::string> names;
    DIR* dir = opendir(directory.c_str());
    REQUIRE(dir != nullptr);
    while (const dirent* entry = readdir(dir)) {
        const std::string name = entry->d_name;
        if (name != "." && name != "..") {
            names.push_back(name);
        }
    }
    closedir(dir);
    return names;
}

// What `fn` printed on stdout (file descriptor 1, through stdio).
template <typename Fn>
std::string capture_stdout(const std::string& scratch_path, Fn fn) {
    std::fflush(stdout);
    const int saved = dup(STDOUT_FILENO);
    const int fd = open(scratch_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    dup2(fd, STDOUT_FILENO);
    close(fd);
    fn();
    std::fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    return read_file(scratch_path);
}

}  // namespace

// ---------------------------------------------------------------------------

TEST_SUITE("json writer") {
    TEST_CASE("objects and arrays are pretty-printed with two spaces") {
        JsonWriter json;
        json.begin_object();
        json.key("a");
        json.value(1);
        json.key("list");
        json.begin_array();
        json.begin_object();
        json.key("x");
        json.value(true);
        json.end_object();
        json.null();
        json.end_array();
        json.key("empty_object");
        json.begin_object();
        json.end_object();
        json.key("empty_array");
        json.begin_array();
        json.end_array();
        json.end_object();
        CHECK(json.text() ==
              "{\n"
              "  \"a\": 1,\n"
              "  \"list\": [\n"
              "    {\n"
              "      \"x\": true\n"
              "    },\n"
              "    null\n"
              "  ],\n"
              "  \"empty_object\": {},\n"
              "  \"empty_array\": []\n"
              "}");
    }

    TEST_CASE("a short array of scalars is written on one line, a long one is not") {
        JsonWriter json;
        json.begin_object();
        json.key("cpus");
        json.begin_array();
        for (int cpu = 0; cpu < 3; ++cpu) {
            json.value(cpu);
        }
        json.end_array();
        json.key("pairs");
        json.begin_array();
        json.begin_array();
        json.value("a, b");
        json.value("c");
        json.end_array();
        json.end_array();
        json.key("long");
        json.begin_array();
        for (int i = 0; i < 30; ++i) {
            json.value(1000 + i);
        }
        json.end_array();
        json.key("fits");  // exactly 100 columns with the comma
        json.begin_array();
        json.value(std::string(40, 'a'));
        json.value(std::string(41, 'b'));
        json.end_array();
        json.key("too_wide");  // would be 101 columns on one line
        json.begin_array();
        json.value(std::string(40, 'a'));
        json.value(std::string(38, 'b'));
        json.end_array();
        json.end_object();
        const std::string& text = json.text();
        CHECK(text.find("\"cpus\": [0, 1, 2],\n") != std::string::npos);
        CHECK(text.find("\"pairs\": [\n    [\"a, b\", \"c\"]\n  ],\n") != std::string::npos);
        CHECK(text.find("\"long\": [\n    1000,\n    1001,\n") != std::string::npos);
        CHECK(text.find("\"fits\": [\"" + std::string(40, 'a') + "\", \"") != std::string::npos);
        CHECK(text.find("\"too_wide\": [\n    \"") != std::string::npos);
        std::size_t line_start = 0;
        while (line_start < text.size()) {
            const std::size_t line_end = std::min(text.find('\n', line_start), text.size());
            CHECK(line_end - line_start <= 100);
            line_start = line_end + 1;
        }
        const Json parsed = parse(text);
        CHECK(parsed["long"].items.size() == 30);
        CHECK(parsed["pairs"].items[0].items[0].text == "a, b");
    }

    TEST_CASE("a scalar can be the whole document") {
        JsonWriter json;
        json.value("only");
        CHECK(json.text() == "\"only\"");
    }

    TEST_CASE("integers are exact across the whole int64 range") {
        JsonWriter json;
        json.begin_array();
        json.value(std::numeric_limits<int64_t>::min());
        json.value(std::numeric_limits<int64_t>::max());
        json.value(0);
        json.value(-1);
        json.end_array();
        CHECK(json.text() == "[-9223372036854775808, 9223372036854775807, 0, -1]");
    }

    TEST_CASE("doubles read back exactly and non-finite ones become null") {
        JsonWriter json;
        json.begin_array();
        const std::vector<double> numbers = {0.1, -2.5, 5.0, 1e300, 1e-7, 123456.789, -0.0};
        for (const double number : numbers) {
            json.value(number);
        }
        json.value(std::numeric_limits<double>::quiet_NaN());
        json.value(std::numeric_limits<double>::infinity());
        json.value(-std::numeric_limits<double>::infinity());
        json.end_array();
        const Json parsed = parse(json.text());
        REQUIRE(parsed.items.size() == numbers.size() + 3);
        for (std::size_t i = 0; i < numbers.size(); ++i) {
            CHECK(parsed.items[i].number() == numbers[i]);
        }
        CHECK(parsed.items[1].text == "-2.5");
        CHECK(parsed.items[2].text == "5");
        for (std::size_t i = numbers.size(); i < parsed.items.size(); ++i) {
            CHECK(parsed.items[i].type == Json::Type::null);
        }
    }

    TEST_CASE("quotes, backslashes and control characters are escaped") {
        CHECK(json_quote("") == "\"\"");
        CHECK(json_quote("say \"hi\"") == R"("say \"hi\"")");
        CHECK(json_quote("C:\\dir") == R"("C:\\dir")");
        CHECK(json_quote("a\nb\tc\rd") == R"("a\u000ab\u0009c\u000dd")");
        CHECK(json_quote(std::string_view("\0\x01\x1f", 3)) == R"("\u0000\u0001\u001f")");
        CHECK(json_quote("/ and \x7f stay") == "\"/ and \x7f stay\"");
    }

    TEST_CASE("valid UTF-8 passes through unchanged") {
        const std::string text =
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbf \xf4\x8f\xbf\xbf";
        CHECK(json_quote(text) == "\"" + text + "\"");
    }

    TEST_CASE("each invalid UTF-8 byte becomes one replacement character") {
        CHECK(json_quote("a\x80z") == R"("a\ufffdz")");                  // lone continuation
        CHECK(json_quote("\xc0\xaf") == R"("\ufffd\ufffd")");            // overlong '/'
        CHECK(json_quote("\xe0\x80\xaf") == R"("\ufffd\ufffd\ufffd")");  // overlong, 3 bytes
        CHECK(json_quote("\xed\xa0\x80") == R"("\ufffd\ufffd\ufffd")");  // UTF-16 surrogate
        CHECK(json_quote("\xf4\x90\x80\x80") == R"("\ufffd\ufffd\ufffd\ufffd")");  // > U+10FFFF
        CHECK(json_quote("\xf5\xff") == R"("\ufffd\ufffd")");
        CHECK(json_quote("ok\xe2\x82") == R"("ok\ufffd\ufffd")");    // truncated at the end
        CHECK(json_quote("\xe2\x82z") == R"("\ufffd\ufffdz")");      // truncated in the middle
        CHECK(json_quote("\xc3\xa9\xa9") == "\"\xc3\xa9\\ufffd\"");  // valid, then a stray byte
    }

    TEST_CASE("any byte string quotes to a JSON string that reads back as valid UTF-8") {
        std::mt19937 rng(12345);
        std::uniform_int_distribution<int> length(0, 24);
        std::uniform_int_distribution<int> byte(0, 255);
        const std::string_view interesting = "\"\\\n\x01\x7f\x80\xbf\xc2\xe0\xed\xf0\xf4\xff";
        for (int round = 0; round < 20'000; ++round) {
            std::string input;
            const int n = length(rng);
            for (int i = 0; i < n; ++i) {
                const int b = byte(rng);
                input += b < 64 ? interesting[static_cast<std::size_t>(b) % interesting.size()]
                                : static_cast<char>(b);
            }
            const std::string quoted = json_quote(input);
            const auto read = JsonReader(quoted).document();
            REQUIRE_MESSAGE(read.has_value(), quoted);
            REQUIRE(read->type == Json::Type::string);
            REQUIRE(is_valid_utf8(read->text));
            if (is_valid_utf8(input)) {
                REQUIRE(read->text == input);
            }
        }
    }

    TEST_CASE("keys are escaped like values") {
        JsonWriter json;
        json.begin_object();
        json.key("a\"b\n");
        json.value("x");
        json.end_object();
        CHECK(json.text() == "{\n  \"a\\\"b\\u000a\": \"x\"\n}");
    }

    TEST_CASE("misuse is an assertion failure") {
        CHECK(aborts([] {
            JsonWriter json;
            json.begin_object();
            json.value(1);  // value without a key
        }));
        CHECK(aborts([] {
            JsonWriter json;
            json.begin_array();
            json.key("k");  // key inside an array
        }));
        CHECK(aborts([] {
            JsonWriter json;
            json.begin_object();
            json.end_array();  // mismatched end
        }));
        CHECK(aborts([] {
            JsonWriter json;
            json.begin_object();
            json.key("k");
            json.end_object();  // key without a value
        }));
        CHECK(aborts([] {
            JsonWriter json;
            json.begin_object();
            (void)json.text();  // not closed
        }));
        CHECK(aborts([] {
            JsonWriter json;
            json.value(1);
            json.value(2);  // two documents
        }));
        CHECK(aborts([] {
            JsonWriter json;
            json.end_object();  // nothing open
        }));
        CHECK(aborts([] {
            JsonWriter json;
            (void)json.text();  // empty
        }));
    }
}

TEST_SUITE("json result") {
    TEST_CASE("the document has the documented top-level fields in order") {
        const std::string text = barrage::report::format_json(open_loop_plan(), crafted_result());
        CHECK(text.back() == '\n');
        const Json doc = parse(text);
        const std::vector<std::string> expected = {"tool",
                                                   "version",
                                                   "schema_version",
                                                   "target",
                                                   "mode",
                                                   "requests",
                                                   "duration_s",
                                                   "drain_s",
                                                   "interrupted",
                                                   "signal",
                                                   "aborted_by",
                                                   "gave_up",
                                                   "throughput_rps",
                                                   "target_rate_rps",
                                                   "achieved_send_rate_rps",
                                                   "latency_judged",
                                                   "latency",
                                                   "failure_time",
                                                   "service_time",
                                                   "schedule_lag",
                                                   "connect_time",
                                                   "tls_handshake",
                                                   "tls",
                                                   "requests_by_name",
                                                   "phases",
                                                   "status",
                                                   "errors",
                                                   "error_details",
                                                   "generator",
                                                   "warnings",
                                                   "connections",
                                                   "bytes",
                                                   "workers",
                                                   "config",
                                                   "thresholds",
                                                   "intervals",
                                                   "archive"};
        CHECK(doc.keys() == expected);
        CHECK(doc["tool"].text == "barrage");
        CHECK(doc["version"].text == BARRAGE_VERSION);
        CHECK(doc["schema_version"].text == "1");
        CHECK(doc["target"]["url"].text == "http://127.0.0.1:8080/api?x=1");
        CHECK(doc["target"]["address"].text == "127.0.0.1:8080");
        CHECK(doc["mode"].text == "open_loop");
    }

    TEST_CASE("request counts, rates and run facts are reported as counted") {
        const Json doc = parse(barrage::report::format_json(open_loop_plan(), crafted_result()));
        const Json& requests = doc["requests"];
        CHECK(requests.keys() ==
              std::vector<std::string>{"sent", "completed", "errors", "responses_failed",
                                       "error_rate", "failure_rate", "late", "behind", "unsent",
                                       "unfinished", "scheduled", "resent", "unanswered"});
        CHECK(requests["scheduled"].text == "10001");
        CHECK(requests["resent"].text == "0");
        CHECK(requests["unanswered"]["total"].text == "11");
        CHECK(requests["unanswered"]["failed"]["timeout"].text == "7");
        CHECK(requests["unanswered"]["failed"]["connect"].text == "0");
        CHECK(requests["unanswered"]["unsent"].text == "1");
        CHECK(requests["unanswered"]["unfinished"].text == "3");
        CHECK(requests["sent"].text == "10000");
        CHECK(requests["completed"].text == "9990");
        CHECK(requests["errors"].text == "7");
        CHECK(requests["late"].text == "12");
        CHECK(requests["unsent"].text == "1");
        CHECK(requests["unfinished"].text == "3");
        CHECK(doc["duration_s"].number() == 10.0);
        CHECK(doc["drain_s"].number() == 0.25);
        CHECK(doc["interrupted"].type == Json::Type::boolean);
        CHECK_FALSE(doc["interrupted"].flag);
        CHECK(doc["throughput_rps"].number() == 999.0);
        CHECK(doc["target_rate_rps"].number() == 1000.0);
        CHECK(doc["achieved_send_rate_rps"].number() == 1000.0);
    }

    TEST_CASE(
        "each histogram gives min, mean, stdev, percentiles, max, count and clamped; "
        "latency its spectrum and whole histogram") {
        const Json doc = parse(barrage::report::format_json(open_loop_plan(), crafted_result()));
        const Json& latency = doc["latency"];
        CHECK(latency.keys() == std::vector<std::string>{
                                    "min", "mean", "stdev", "p50", "p90", "p95", "p99", "p999",
                                    "p9999", "max", "count", "clamped", "spectrum", "histogram"});
        // The whole histogram, as an .hlog line carries it: it decodes to the same counts.
        auto decoded =
            barrage::stats::decode_histogram_compressed_base64(latency["histogram"].text);
        REQUIRE(decoded.ok());
        CHECK(decoded.value().total_count() == 1000);
        CHECK(decoded.value().value_at_percentile(99) == 990);
        CHECK(doc["service_time"].keys() ==
              std::vector<std::string>{"min", "mean", "stdev", "p50", "p90", "p95", "p99", "p999",
                                       "p9999", "max", "count", "clamped"});
        // 1..1000 us once each: known percentiles, mean 500.5, stdev sqrt((n^2-1)/12).
        CHECK(latency["min"].text == "1");
        CHECK(latency["mean"].number() == 500.5);
        CHECK(latency["stdev"].number() == 288.675);
        CHECK(latency["p50"].text == "500");
        CHECK(latency["p90"].text == "900");
        CHECK(latency["p99"].text == "990");
        CHECK(latency["p999"].text == "999");
        CHECK(latency["p9999"].text == "1000");
        CHECK(latency["max"].text == "1000");
        CHECK(latency["count"].text == "1000");
        CHECK(latency["clamped"].text == "0");
        CHECK(doc["service_time"]["count"].text == "3");
        CHECK(doc["service_time"]["p50"].text == "1234");
        CHECK(doc["schedule_lag"]["max"].text == "5");
        const Json& connect = doc["connect_time"];  // empty histogram: zeros, not garbage
        CHECK(connect["count"].text == "0");
        CHECK(connect["min"].text == "0");
        CHECK(connect["mean"].number() == 0.0);
        CHECK(connect["p9999"].text == "0");
    }

    TEST_CASE("status has every class and only the codes that occurred") {
        const Json doc = parse(barrage::report::format_json(open_loop_plan(), crafted_result()));
        const Json& status = doc["status"];
        CHECK(status.keys() ==
              std::vector<std::string>{"1xx", "2xx", "3xx", "4xx", "5xx", "other", "codes"});
        CHECK(status["2xx"].text == "9980");
        CHECK(status["4xx"].text == "10");
        CHECK(status["1xx"].text == "0");
        CHECK(status["other"].text == "0");
        CHECK(status["codes"].keys() == std::vector<std::string>{"200", "404"});
        CHECK(status["codes"]["404"].text == "10");
    }

    TEST_CASE("errors name every kind, even at zero, plus the total") {
        const Json doc = parse(barrage::report::format_json(open_loop_plan(), crafted_result()));
        const Json& errors = doc["errors"];
        CHECK(errors.keys() == std::vector<std::string>{"connect", "connect_timeout", "timeout",
                                                        "reset", "eof", "protocol", "fd_limit",
                                                        "port_exhausted", "tls", "io", "template",
                                                        "total"});
        CHECK(errors["connect"].text == "3");
        CHECK(errors["timeout"].text == "7");
        CHECK(errors["reset"].text == "0");
        CHECK(errors["total"].text == "10");
        REQUIRE(doc["error_details"].items.size() == 2);
        CHECK(doc["error_details"].items[0].text == "connect: Connection refused (127.0.0.1:1)");
        REQUIRE(doc["warnings"].items.size() == 1);
        CHECK(doc["warnings"].items[0].text == "12 requests waited for a free connection");
    }

    TEST_CASE("connections, bytes and workers are reported") {
        const Json doc = parse(barrage::report::format_json(open_loop_plan(), crafted_result()));
        CHECK(doc["connections"]["target"].text == "10");
        CHECK(doc["connections"]["established_max"].text == "10");
        CHECK(doc["connections"]["opened"].text == "13");
        CHECK(doc["connections"]["reconnects"].text == "2");
        CHECK(doc["bytes"]["sent"].text == "1000000");
        CHECK(doc["bytes"]["received"].text == "12345678");
        CHECK(doc["workers"]["count"].text == "2");
        REQUIRE(doc["workers"]["cpus"].items.size() == 2);
        CHECK(doc["workers"]["cpus"].items[1].text == "-1");
    }

    TEST_CASE("config echoes the plan, headers as name/value pairs") {
        const Json doc = parse(barrage::report::format_json(open_loop_plan(), crafted_result()));
        const Json& config = doc["config"];
        CHECK(config["url"].text == "http://127.0.0.1:8080/api?x=1");
        CHECK(config["method"].text == "POST");
        CHECK(config["connections"].text == "10");
        CHECK(config["threads"].text == "2");
        CHECK(config["pin"].flag);
        CHECK(config["cpus"].items.size() == 2);
        CHECK(config["rate_rps"].number() == 1000.0);
        CHECK(config["duration_s"].number() == 10.0);
        CHECK(config["warmup_s"].number() == 2.0);
        CHECK(config["timeout_s"].number() == 2.5);
        CHECK(config["interval_s"].number() == 1.0);
        CHECK(config["response_header_bytes_max"].text == "65536");
        CHECK(config["timer_slack_us"].text == "100");
        CHECK(config["timer_slack_mode"].text == "auto");
        REQUIRE(config["headers"].items.size() == 2);
        CHECK(config["headers"].items[1].items[0].text == "X-Quote");
        CHECK(config["headers"].items[1].items[1].text == "say \"hi\"");
        CHECK(config["body_bytes"].text == "7");
        CHECK(config["command_line"].text == "barrage run http://127.0.0.1:8080/api?x=1 -r 1000");
        // Every request with its method and URL template, for the HTML report.
        REQUIRE(config["requests"].items.size() == 1);
        CHECK(config["requests"].items[0]["method"].text == "POST");
        CHECK(config["requests"].items[0]["url"].text == "http://127.0.0.1:8080/api?x=1");
        CHECK(!config.has("run_id"));  // none drawn: none written
    }

    TEST_CASE("config records the run id that labels the live metrics") {
        auto plan = open_loop_plan();
        plan.run_id = "0123456789abcdef";
        const Json doc = parse(barrage::report::format_json(plan, crafted_result()));
        CHECK(doc["config"]["run_id"].text == "0123456789abcdef");
    }

    TEST_CASE("intervals carry the CSV columns") {
        const Json doc = parse(barrage::report::format_json(open_loop_plan(), crafted_result()));
        const Json& intervals = doc["intervals"];
        REQUIRE(intervals.items.size() == 2);
        const Json& last = intervals.items[1];
        CHECK(last.keys() == std::vector<std::string>{"t_s", "requests", "sent", "errors", "rps",
                                                      "p50_us", "p90_us", "p99_us", "p999_us",
                                                      "max_us", "p95_us", "generator_cpu",
                                                      "connections", "status", "errors_by_kind"});
        CHECK(last["t_s"].number() == 1.5);
        CHECK(last["requests"].text == "499");
        CHECK(last["rps"].number() == 998.0);
        CHECK(last["p999_us"].text == "1234");
        CHECK(last["max_us"].text == "2500000");
        CHECK(last["p95_us"].text == "950");
        CHECK(intervals.items[0]["errors"].text == "1");
    }

    TEST_CASE("closed loop has null target rates and an empty run divides by nothing") {
        RunPlan plan = open_loop_plan();
        set_closed_loop(plan);
        RunResult result;
        result.interrupted = true;
        const Json doc = parse(barrage::report::format_json(plan, result));
        CHECK(doc["mode"].text == "closed_loop");
        CHECK(doc["target_rate_rps"].type == Json::Type::null);
        CHECK(doc["config"]["rate_rps"].type == Json::Type::null);
        CHECK(doc["throughput_rps"].number() == 0.0);
        CHECK(doc["achieved_send_rate_rps"].number() == 0.0);
        CHECK(doc["interrupted"].flag);
        CHECK(doc["signal"].type == Json::Type::null);  // interrupted, but not by a signal here
        CHECK(doc["intervals"].items.empty());
        CHECK(doc["status"]["codes"].members.empty());
    }

    TEST_CASE("hostile text in the plan stays a valid document") {
        RunPlan plan = open_loop_plan();
        plan.command_line = "barrage run 'x\"\\\n\x01\xff'";
        plan.requests[0].headers = {{"X-\x80", "\t"}};
        RunResult result = crafted_result();
        result.warnings = {"bad \xc0 byte"};
        const Json doc = parse(barrage::report::format_json(plan, result));
        CHECK(doc["config"]["command_line"].text == "barrage run 'x\"\\\n\x01\xef\xbf\xbd'");
        CHECK(doc["config"]["headers"].items[0].items[0].text == "X-\xef\xbf\xbd");
        CHECK(doc["warnings"].items[0].text == "bad \xef\xbf\xbd byte");
    }
}

TEST_SUITE("csv") {
    TEST_CASE("the CSV has the header and one row per interval") {
        CHECK(barrage::report::format_csv(crafted_result()) ==
              "t_s,requests,errors,rps,p50_us,p90_us,p99_us,p999_us,max_us,p95_us\n"
              "1.000,1000,1,1000.00,500,900,990,1234,2500000,950\n"
              "1.500,499,0,998.00,500,900,990,1234,2500000,950\n");
    }

    TEST_CASE("a run without intervals is just the header, a zero-length one has rate 0") {
        RunResult result;
        CHECK(barrage::report::format_csv(result) ==
              "t_s,requests,errors,rps,p50_us,p90_us,p99_us,p999_us,max_us,p95_us\n");
        result.intervals = {interval_row(0.0, 0.0, 5, 0)};
        CHECK(barrage::report::format_csv(result).find("\n0.000,5,0,0.00,") != std::string::npos);
    }
}

TEST_SUITE("summary") {
    TEST_CASE("the headline names the target, mode, connections, threads and durations") {
        const std::string summary =
            barrage::report::format_summary(open_loop_plan(), crafted_result());
        const std::string headline = std::string("barrage ") + BARRAGE_VERSION +
                                     " — http://127.0.0.1:8080/api?x=1 — open loop at 1000 req/s, "
                                     "10 connections, 2 threads, 10s (+2s warm-up)\n";
        CHECK(summary.rfind(headline, 0) == 0);
    }

    TEST_CASE("counts, throughput, transfer and connections read as counted") {
        const std::string summary =
            barrage::report::format_summary(open_loop_plan(), crafted_result());
        CHECK(summary.find("\nRequests     sent 10000 = completed 9990 + failed 7 + unfinished 3;"
                           "  unsent 1  late 12\n") != std::string::npos);
        CHECK(summary.find("\nThroughput   999.0 req/s (target 1000 req/s, sent 1000.0 req/s) "
                           "over 10.0s, drain 250ms\n") != std::string::npos);
        CHECK(summary.find("\nTransfer     1.23 MB/s in, 100 KB/s out\n") != std::string::npos);
        CHECK(summary.find("\nConnections  10 of 10 open at most, 13 opened, 2 reconnects\n") !=
              std::string::npos);
    }

    TEST_CASE("an open-loop summary names its timer slack and who picked it") {
        RunPlan plan = open_loop_plan();
        CHECK(barrage::report::format_summary(plan, crafted_result())
                  .find("\nPacing       timer slack 100us (auto, the default)\n") !=
              std::string::npos);
        plan.timer_slack_auto = false;
        plan.timer_slack_ns = 1'500'000;
        CHECK(barrage::report::format_summary(plan, crafted_result())
                  .find("\nPacing       timer slack 1.50ms (--timer-slack)\n") !=
              std::string::npos);
        plan.timer_slack_ns = 0;
        CHECK(barrage::report::format_summary(plan, crafted_result())
                  .find("\nPacing       timer slack 0, every arrival wakes the worker at its time "
                        "(--timer-slack)\n") != std::string::npos);
    }

    TEST_CASE("time rows are aligned and use us, ms and s") {
        const std::string summary =
            barrage::report::format_summary(open_loop_plan(), crafted_result());
        CHECK(summary.find("\n                  min    mean     p50     p90     p99   p99.9  "
                           "p99.99     max\n") != std::string::npos);
        // 11 of 1011 requests unanswered (1.1 %): from p99 on, the judged latency is unbounded.
        CHECK(summary.find("\nLatency           1us >=2.50s   506us   910us >=2.50s >=2.50s "
                           ">=2.50s >=2.50s  judged: 11 of 1011 scheduled unanswered (1.1%)\n"
                           "  answered        1us   500us   500us   900us   990us   999us  "
                           "1.00ms  1.00ms  from intended send\n") != std::string::npos);
        // Service time: 850 us, 1234 us and 2.5 s; 2.5 s sits in a bucket
        // 2048 us wide, so the mean is (850 + 1234 + 2499584) / 3 us, about 834 ms.
        CHECK(summary.find("\nService time    850us   834ms  1.23ms   2.50s   2.50s   2.50s "
                           "  2.50s   2.50s  from actual send\n") != std::string::npos);
        CHECK(summary.find("\nSchedule lag      5us     5us     5us     5us     5us     5us  "
                           "   5us     5us  behind schedule\n") != std::string::npos);
        CHECK(summary.find("\nConnect time no samples\n") != std::string::npos);
    }

    TEST_CASE("status, errors, details and warnings are listed") {
        const std::string summary =
            barrage::report::format_summary(open_loop_plan(), crafted_result());
        CHECK(summary.find("\nStatus       2xx 9980  4xx 10  (codes: 200 x9980, 404 x10)\n") !=
              std::string::npos);
        CHECK(summary.find("\nErrors       requests: timeout 7  (total 7)\n"
                           "             connections: connect 3  (total 3)\n"
                           "             first: connect: Connection refused (127.0.0.1:1)\n"
                           "             first: timeout: no response within 2.5s\n") !=
              std::string::npos);
        CHECK(summary.find("\nWarnings     - 12 requests waited for a free connection\n") !=
              std::string::npos);
        CHECK(summary.find("INTERRUPTED") == std::string::npos);
    }

    TEST_CASE("a profile of users phases names its users, not the connection slots") {
        RunPlan plan = open_loop_plan();
        plan.connections = 10;  // the default slots; only the users present hold connections
        plan.profile_path = "users.toml";
        barrage::plan::PhasePlan spawn;
        spawn.name = "spawn";
        spawn.kind = barrage::plan::PhaseKind::users;
        spawn.users = 6;
        spawn.spawn_per_s = 4;
        spawn.duration_ns = 2'000'000'000;
        barrage::plan::PhasePlan settle = spawn;
        settle.name = "settle";
        settle.users = 2;
        plan.phases = {spawn, settle};
        plan.main_phase = 0;
        RunResult result = crafted_result();
        result.asked_rate_rps.reset();
        const std::string summary = barrage::report::format_summary(plan, result);
        CHECK(summary.find("closed loop, phases spawn (users), settle (users), up to 6 users, 2 "
                           "threads") != std::string::npos);
        CHECK(summary.find("10 connections") == std::string::npos);
    }

    TEST_CASE("closed loop says so and leaves out the target rate and schedule lag") {
        RunPlan plan = open_loop_plan();
        plan.connections = 1;
        plan.threads = 1;
        set_load(plan, std::nullopt, 90'000'000'000, 0);
        RunResult result = crafted_result();
        result.asked_rate_rps.reset();  // closed loop asks for no rate
        const std::string summary = barrage::report::format_summary(plan, result);
        CHECK(summary.find("— closed loop, 1 connection, 1 thread, 1m30s\n") != std::string::npos);
        CHECK(summary.find("Schedule lag") == std::string::npos);
        CHECK(summary.find("target") == std::string::npos);
        CHECK(summary.find("  from send\n") != std::string::npos);
    }

    TEST_CASE("an interrupted run with nothing recorded says so plainly") {
        RunResult result;
        result.interrupted = true;
        result.duration_s = 3.2;
        const std::string summary = barrage::report::format_summary(open_loop_plan(), result);
        CHECK(summary.find("\nStatus       none\n") != std::string::npos);
        CHECK(summary.find("\nErrors       none\n") != std::string::npos);
        CHECK(summary.find("Warnings") == std::string::npos);
        CHECK(summary.find("\nLatency      no samples\n") != std::string::npos);
        CHECK(summary.find("\nThroughput   0.0 req/s") != std::string::npos);
        const std::string last_line =
            "INTERRUPTED: stopped by signal after 3.20s; results cover what ran\n";
        REQUIRE(summary.size() > last_line.size());
        CHECK(summary.substr(summary.size() - last_line.size()) == last_line);
        result.stop_signal = SIGTERM;
        CHECK(barrage::report::format_summary(open_loop_plan(), result)
                  .ends_with("INTERRUPTED: stopped by SIGTERM after 3.20s; results cover what ran "
                             "(exit 143: an interrupted run does not pass)\n"));
    }

    TEST_CASE("durations in the headline keep the user's units") {
        RunPlan plan = open_loop_plan();
        const auto headline_for = [&](int64_t duration_ns) {
            set_load(plan, barrage::plan::url_load_of(plan).rate_per_s, duration_ns, 250'000'000);
            const std::string summary = barrage::report::format_summary(plan, RunResult{});
            return summary.substr(0, summary.find('\n'));
        };
        CHECK(headline_for(3'600'000'000'000).ends_with(", 1h (+250ms warm-up)"));
        CHECK(headline_for(3'661'000'000'000).ends_with(", 1h1m1s (+250ms warm-up)"));
        CHECK(headline_for(120'000'000'000).ends_with(", 2m (+250ms warm-up)"));
        CHECK(headline_for(1'500'000'000).ends_with(", 1.5s (+250ms warm-up)"));
        set_load(plan, 2.5, 1'000'000'000, 250'000'000);
        CHECK(headline_for(1'000'000'000).find("open loop at 2.5 req/s") != std::string::npos);
    }
}

TEST_SUITE("progress line") {
    TEST_CASE("the progress line shows elapsed time, rate, errors and p99") {
        IntervalRow row = interval_row(3.0, 1.0, 1000, 2);
        row.latency_p99_us = 1234;
        CHECK(barrage::report::format_progress_line(row, 3.0, 10.0, false) ==
              "[ 3.0s/10.0s] 1000 req/s  errors 2  p99 1.23ms");
        row.length_s = 0.5;
        row.latency_p99_us = 850;
        CHECK(barrage::report::format_progress_line(row, 1.0, 2.0, true) ==
              "[ 1.0s/2.0s warmup] 2000 req/s  errors 2  p99 850us");
    }

    TEST_CASE("latency units switch at the rounding boundaries") {
        IntervalRow row = interval_row(1.0, 1.0, 0, 0);
        const auto p99_text = [&](int64_t us) {
            row.latency_p99_us = us;
            const std::string line = barrage::report::format_progress_line(row, 1, 1, false);
            return line.substr(line.rfind(' ') + 1);
        };
        CHECK(p99_text(0) == "0us");
        CHECK(p99_text(999) == "999us");
        CHECK(p99_text(1000) == "1.00ms");
        CHECK(p99_text(9994) == "9.99ms");
        CHECK(p99_text(9995) == "10.0ms");
        CHECK(p99_text(12345) == "12.3ms");
        CHECK(p99_text(99950) == "100ms");
        CHECK(p99_text(999'499) == "999ms");
        CHECK(p99_text(999'500) == "1.00s");
        CHECK(p99_text(2'500'000) == "2.50s");
        CHECK(p99_text(3'600'000'000) == "3600s");
    }
}

TEST_SUITE("exit code") {
    TEST_CASE("a run that completed nothing exits 3, any completion exits 0") {
        RunResult result;
        CHECK(barrage::gate::exit_code_for(result) == barrage::gate::exit_run_failed);
        result.totals.counters.requests_sent = 100;
        result.totals.counters.requests_errors = 100;
        result.totals.counters.errors[static_cast<std::size_t>(ErrorKind::reset)] = 100;
        CHECK(barrage::gate::exit_code_for(result) == 3);
        result.totals.counters.requests_completed = 1;
        CHECK(barrage::gate::exit_code_for(result) == barrage::gate::exit_ok);
        CHECK(barrage::gate::exit_code_for(crafted_result()) == 0);
    }

    TEST_CASE("the exit codes have their documented values") {
        CHECK(barrage::gate::exit_ok == 0);
        CHECK(barrage::gate::exit_thresholds_failed == 1);
        CHECK(barrage::gate::exit_usage == 2);
        CHECK(barrage::gate::exit_run_failed == 3);
        CHECK(barrage::gate::exit_output_failed == 4);
    }

    TEST_CASE("a run a signal interrupted exits 128 + the signal, whatever its thresholds say") {
        const barrage::gate::ThresholdOutcome passed{
            barrage::gate::parse_threshold("p99 < 1s").value(), 990.0, true};
        const barrage::gate::ThresholdOutcome failed{
            barrage::gate::parse_threshold("p99 < 1ms").value(), 990.0, false};
        RunResult result = crafted_result();
        result.interrupted = true;
        for (const auto& [signal_number, code] :
             {std::pair{SIGINT, 130}, std::pair{SIGTERM, 143}, std::pair{SIGHUP, 129}}) {
            result.stop_signal = signal_number;
            CHECK(barrage::gate::exit_code_for(result, std::span(&passed, 1)) == code);
            CHECK(barrage::gate::exit_code_for(result, std::span(&failed, 1)) == code);
            const Json doc = parse(barrage::report::format_json(open_loop_plan(), result));
            CHECK(doc["signal"].text == barrage::report::stop_signal_name(signal_number));
        }
        CHECK(barrage::report::stop_signal_name(SIGINT) == "SIGINT");
        CHECK(barrage::report::stop_signal_name(SIGHUP) == "SIGHUP");
        CHECK(barrage::report::stop_signal_name(0).empty());
        // An abort threshold stops the run without a signal: the failed threshold's 1.
        RunResult aborted = crafted_result();
        aborted.stopped_by = "abort threshold 'p99 < 1ms' failed";
        CHECK(barrage::gate::exit_code_for(aborted, std::span(&failed, 1)) == 1);
        CHECK(barrage::gate::exit_code_for(crafted_result(), std::span(&passed, 1)) == 0);
    }
}

TEST_SUITE("streamed outputs") {
    TEST_CASE("each interval is in the file as soon as it is added, before any close") {
        const ScratchDirectory dir("barrage_report_test");
        RunPlan plan = open_loop_plan();
        plan.outputs.csv_path = dir.path() + "/run.csv";
        plan.outputs.hlog_path = dir.path() + "/run.hlog";
        barrage::report::IntervalStreams streams(plan, {"a", "b"}, {});
        streams.start(1'764'689'224'123);
        const RunResult result = crafted_result();
        auto histogram = barrage::stats::Histogram::for_latency_us();
        histogram.record_value(1234);
        const std::vector<barrage::stats::Histogram> by_name(2, histogram);
        std::string expected_csv = barrage::report::format_csv_header(false);
        for (const IntervalRow& row : result.intervals) {
            streams.add_row(row);
            streams.add_histograms(row, histogram, by_name);
            expected_csv += barrage::report::format_csv_row(row, nullptr);
            // What a reader sees while the run goes on (or after SIGKILL).
            CHECK(read_file(plan.outputs.csv_path) == expected_csv);
            const auto hlog = barrage::stats::read_hlog(read_file(plan.outputs.hlog_path), "x");
            REQUIRE(hlog.ok());
            CHECK(hlog.value().intervals.size() % 3 == 0);
            CHECK(hlog.value().intervals.back().tag == "b");
        }
        CHECK(expected_csv == barrage::report::format_csv(result));
        CHECK(streams.finish(nullptr).empty());
        const auto hlog = barrage::stats::read_hlog(read_file(plan.outputs.hlog_path), "x");
        REQUIRE(hlog.ok());
        REQUIRE(hlog.value().intervals.size() == 6);
        CHECK(hlog.value().start_time_s == doctest::Approx(1'764'689'224.123));
        CHECK(hlog.value().intervals[3].start_s == doctest::Approx(1.0));
        CHECK(hlog.value().intervals[3].length_s == doctest::Approx(0.5));
        CHECK(hlog.value().intervals[3].histogram.total_count() == 1);
    }

    TEST_CASE("a file that cannot be created is reported at the end, with its path") {
        const ScratchDirectory dir("barrage_report_test");
        RunPlan plan = open_loop_plan();
        plan.outputs.csv_path = dir.path() + "/missing/run.csv";
        barrage::report::IntervalStreams streams(plan, {}, {});
        streams.start(0);
        streams.add_row(crafted_result().intervals.front());
        const auto errors = streams.finish(nullptr);
        REQUIRE(errors.size() == 1);
        CHECK(errors[0].message ==
              "cannot write '" + plan.outputs.csv_path + "': No such file or directory");
    }

    TEST_CASE("a write that fails is kept and reported when the file closes") {
        if (access("/dev/full", W_OK) != 0) {
            return;  // no /dev/full here: nothing to provoke the failure with
        }
        auto file = barrage::report::StreamedFile::open("/dev/full");
        REQUIRE(file.ok());
        file.value().append("row\n");
        file.value().append("row\n");
        const auto status = file.value().close();
        REQUIRE_FALSE(status.ok());
        CHECK(status.error().message == "cannot write '/dev/full': No space left on device");
    }
}

TEST_SUITE("output files") {
    TEST_CASE("an atomic write creates the file and leaves no temporary behind") {
        const ScratchDirectory dir("barrage_report_test");
        const std::string path = dir.path() + "/out.json";
        REQUIRE(barrage::report::write_file_atomically(path, "{\"a\": 1}\n").ok());
        CHECK(read_file(path) == "{\"a\": 1}\n");
        CHECK(directory_entries(dir.path()) == std::vector<std::string>{"out.json"});
    }

    TEST_CASE("an atomic write replaces longer existing content completely") {
        const ScratchDirectory dir("barrage_report_test");
        const std::string path = dir.path() + "/out.csv";
        REQUIRE(barrage::report::write_file_atomically(path, std::string(10'000, 'x')).ok());
        REQUIRE(barrage::report::write_file_atomically(path, "short\n").ok());
        CHECK(read_file(path) == "short\n");
        REQUIRE(barrage::report::write_file_atomically(path, "").ok());
        CHECK(read_file(path).empty());
        CHECK(directory_entries(dir.path()) == std::vector<std::string>{"out.csv"});
    }

    TEST_CASE("an atomic write into a missing directory names the path and the reason") {
        const ScratchDirectory dir("barrage_report_test");
        const std::string path = dir.path() + "/missing/out.json";
        const auto status = barrage::report::write_file_atomically(path, "x");
        REQUIRE_FALSE(status.ok());
        CHECK(status.error().message == "cannot write '" + path + "': directory '" + dir.path() +
                                            "/missing': No such file or directory");
        CHECK(directory_entries(dir.path()).empty());
    }

    TEST_CASE("an atomic write over a directory fails and removes its temporary file") {
        const ScratchDirectory dir("barrage_report_test");
        const std::string path = dir.path() + "/sub";
        REQUIRE(mkdir(path.c_str(), 0755) == 0);
        const auto status = barrage::report::write_file_atomically(path, "x");
        REQUIRE_FALSE(status.ok());
        CHECK(status.error().message == "cannot write '" + path + "': Is a directory");
        CHECK(directory_entries(dir.path()) == std::vector<std::string>{"sub"});
        CHECK_FALSE(barrage::report::write_file_atomically("", "x").ok());
    }

    TEST_CASE("\"-\" writes to standard output") {
        const ScratchDirectory dir("barrage_report_test");
        const std::string scratch = dir.path() + "/stdout.txt";
        const std::string printed = capture_stdout(scratch, [] {
            std::fputs("summary first\n", stdout);  // buffered, must stay in order
            REQUIRE(barrage::report::write_file_atomically("-", "{}\n").ok());
        });
        CHECK(printed == "summary first\n{}\n");
    }

    TEST_CASE("empty and \"-\" paths and new or existing regular files are writable") {
        const ScratchDirectory dir("barrage_report_test");
        CHECK(barrage::report::check_writable("").ok());
        CHECK(barrage::report::check_writable("-").ok());
        CHECK(barrage::report::check_writable(dir.path() + "/new.json").ok());
        const std::string existing = dir.path() + "/old.json";
        REQUIRE(barrage::report::write_file_atomically(existing, "old").ok());
        CHECK(barrage::report::check_writable(existing).ok());
        CHECK(directory_entries(dir.path()).size() == 1);  // checking creates nothing
    }

    TEST_CASE("a missing directory or a file as the directory is refused with the path") {
        const ScratchDirectory dir("barrage_report_test");
        const std::string missing = dir.path() + "/nope/out.json";
        auto status = barrage::report::check_writable(missing);
        REQUIRE_FALSE(status.ok());
        CHECK(status.error().message == "cannot write '" + missing + "': directory '" + dir.path() +
                                            "/nope': No such file or directory");
        const std::string file = dir.path() + "/file";
        REQUIRE(barrage::report::write_file_atomically(file, "x").ok());
        status = barrage::report::check_writable(file + "/out.json", "--csv file");
        REQUIRE_FALSE(status.ok());
        CHECK(status.error().message ==
              "cannot write --csv file '" + file + "/out.json': '" + file + "' is not a directory");
    }

    TEST_CASE("a directory or a device as the path is refused") {
        const ScratchDirectory dir("barrage_report_test");
        auto status = barrage::report::check_writable(dir.path(), "--json file");
        REQUIRE_FALSE(status.ok());
        CHECK(status.error().message ==
              "cannot write --json file '" + dir.path() + "': it is a directory");
        status = barrage::report::check_writable("/dev/null");
        REQUIRE_FALSE(status.ok());
        CHECK(status.error().message ==
              "cannot write '/dev/null': not a regular file (use '-' for stdout)");
    }

    TEST_CASE("a relative path is checked against the current directory") {
        // "out.json" has no slash: its directory is ".", which exists.
        char cwd[4096];
        REQUIRE(getcwd(cwd, sizeof(cwd)) != nullptr);
        const ScratchDirectory dir("barrage_report_test");
        REQUIRE(chdir(dir.path().c_str()) == 0);
        CHECK(barrage::report::check_writable("out.json").ok());
        CHECK(barrage::report::write_file_atomically("out.json", "rel").ok());
        REQUIRE(chdir(cwd) == 0);
        CHECK(read_file(dir.path() + "/out.json") == "rel");
    }

    TEST_CASE("read-only files and directories are refused") {
        const ScratchDirectory dir("barrage_report_test");
        REQUIRE(chmod(dir.path().c_str(), 0777) == 0);  // the unprivileged child works in it
        const std::string file = dir.path() + "/ro.json";
        REQUIRE(barrage::report::write_file_atomically(file, "x").ok());
        REQUIRE(chmod(file.c_str(), 0444) == 0);
        const std::string sub = dir.path() + "/ro";
        REQUIRE(mkdir(sub.c_str(), 0555) == 0);
        // Root passes every access check, so the checks run in a child that drops to nobody.
        CHECK(exits_zero_as_unprivileged([&] {
            const auto file_status = barrage::report::check_writable(file);
            const auto dir_status = barrage::report::check_writable(sub + "/x.json");
            return !file_status.ok() && !dir_status.ok() &&
                   file_status.error().message ==
                       "cannot write '" + file + "': Permission denied" &&
                   dir_status.error().message == "cannot write '" + sub + "/x.json': directory '" +
                                                     sub + "' is not writable: Permission denied" &&
                   !barrage::report::write_file_atomically(sub + "/x.json", "x").ok();
        }));
    }
}

TEST_SUITE("generator health") {
    RunResult health_result(bool open_loop) {
        RunResult result;
        result.duration_s = 10.0;
        result.threads = 2;
        result.worker_cpu_s = {5.0, 3.0};
        result.behind_limit_us = 2000;
        if (open_loop) {
            result.asked_rate_rps = 1000.0;
        }
        auto& c = result.totals.counters;
        c.requests_sent = 10'000;
        c.requests_completed = 10'000;
        return result;
    }

    TEST_CASE(
        "a generator that kept up is not saturated, and its CPU share is the busiest worker's") {
        const auto health = barrage::report::judge_generator(health_result(true));
        CHECK_FALSE(health.saturated);
        CHECK(health.evidence.empty());
        CHECK(health.cpu_share_max == doctest::Approx(0.5));
    }

    TEST_CASE("more than 1% of the sends behind schedule with free connections is saturation") {
        RunResult result = health_result(true);
        result.totals.counters.requests_behind = 100;  // exactly 1%: not yet
        CHECK_FALSE(barrage::report::judge_generator(result).saturated);
        result.totals.counters.requests_behind = 101;
        const auto health = barrage::report::judge_generator(result);
        CHECK(health.saturated);
        REQUIRE(health.evidence.size() == 1);
        CHECK(health.evidence[0].find("101 of 10000") != std::string::npos);
    }

    TEST_CASE("one send a second or more behind is saturation, however small the shares") {
        // A generator 0.37% behind, stalled 2.2% of the time, lagging 4.9 s at worst.
        RunResult result = health_result(true);
        auto& c = result.totals.counters;
        c.requests_behind = 37;
        c.stalls = 40;
        c.stall_ns = 440'000'000;
        result.totals.schedule_lag_us.record_value(999'000);
        CHECK_FALSE(barrage::report::judge_generator(result).saturated);  // under a second
        result.totals.schedule_lag_us.record_value(4'900'000);
        const auto health = barrage::report::judge_generator(result);
        CHECK(health.saturated);
        REQUIRE(health.evidence.size() == 1);
        CHECK(health.evidence[0].find("4.90s after its intended time") != std::string::npos);
        c.requests_behind = 0;  // the lag was a wait for a connection: the target's
        CHECK_FALSE(barrage::report::judge_generator(result).saturated);
        c.requests_behind = 37;
        c.requests_late = 100;  // 1% waited for a connection: the target held it back
        CHECK_FALSE(barrage::report::judge_generator(result).saturated);
        RunResult closed = health_result(false);
        closed.totals.counters.requests_behind = 37;
        closed.totals.schedule_lag_us.record_value(4'900'000);
        CHECK_FALSE(barrage::report::judge_generator(closed).saturated);  // no schedule
    }

    TEST_CASE("a handful of requests behind or late in a short run makes no verdict") {
        // 77 requests, as a short profile run sends: one behind is 1.3%, over the 1% share.
        RunResult result = health_result(true);
        result.duration_s = 7.7;
        result.asked_rate_rps = 10.0;
        auto& c = result.totals.counters;
        c.requests_sent = 77;
        c.requests_completed = 77;
        c.requests_behind = 1;
        CHECK_FALSE(barrage::report::judge_generator(result).saturated);
        c.requests_behind = 9;
        CHECK_FALSE(barrage::report::judge_generator(result).saturated);
        c.requests_behind = 10;  // 13%: a pattern
        CHECK(barrage::report::judge_generator(result).saturated);
        c.requests_behind = 0;
        // One request waited for a connection while the service time grew: no verdict that
        // the target is the limit, and no connection advice either.
        for (int i = 0; i < 77; ++i) {
            result.totals.service_time_us.record_value(i < 10 ? 2'000 : 2'000 + 400 * i);
        }
        c.requests_late = 1;
        CHECK(barrage::report::suggested_connections(result) == 0);
        barrage::report::add_generator_warnings(result);
        CHECK(result.warnings.empty());
        c.requests_late = 10;  // 13% of the sent waited: the target held the generator back
        barrage::report::add_generator_warnings(result);
        REQUIRE(result.warnings.size() == 1);
        CHECK(result.warnings[0].find("the target, not the connection count, is the limit") !=
              std::string::npos);
    }

    TEST_CASE("late requests below 1% of the sent suggest no connection count") {
        RunResult result = health_result(true);
        for (int i = 0; i < 100; ++i) {
            result.totals.service_time_us.record_value(20'000);
        }
        result.totals.counters.requests_late = 99;  // 0.99% of 10,000
        CHECK(barrage::report::suggested_connections(result) == 0);
        result.totals.counters.requests_late = 100;
        CHECK(barrage::report::suggested_connections(result) == 25);
    }

    TEST_CASE("stalls over 10% of the workers' time (and 100 ms) are saturation") {
        RunResult result = health_result(false);
        result.totals.counters.stalls = 10;
        result.totals.counters.stall_ns = 2'000'000'000;  // 10% of 2 workers x 10 s
        CHECK_FALSE(barrage::report::judge_generator(result).saturated);
        result.totals.counters.stall_ns = 2'001'000'000;
        CHECK(barrage::report::judge_generator(result).saturated);
        result.duration_s = 0.5;  // 11% of 2 x 0.5 s, but only 99 ms
        result.worker_cpu_s = {0.1, 0.1};
        result.totals.counters.stall_ns = 99'000'000;
        CHECK_FALSE(barrage::report::judge_generator(result).saturated);
    }

    TEST_CASE("sending below the asked rate is saturation only when connections were free") {
        RunResult result = health_result(true);
        result.totals.counters.requests_sent = 9'980;  // 99.8% of the asked 10,000
        CHECK(barrage::report::judge_generator(result).saturated);
        result.totals.counters.requests_late = 500;  // the target held the connections
        CHECK_FALSE(barrage::report::judge_generator(result).saturated);
        result.totals.counters.requests_late = 0;
        result.interrupted = true;  // a stopped run sends less by design
        CHECK_FALSE(barrage::report::judge_generator(result).saturated);
    }

    TEST_CASE("sending nothing with connections open is saturation") {
        RunResult result = health_result(true);
        result.totals.counters.requests_sent = 0;
        result.totals.counters.requests_completed = 0;
        result.totals.counters.requests_unsent = 10'000;
        result.connections_established_max = 0;  // nothing to send on: the target's doing
        CHECK_FALSE(barrage::report::judge_generator(result).saturated);
        result.connections_established_max = 50;
        CHECK(barrage::report::judge_generator(result).saturated);
    }

    TEST_CASE("closed loop: a worker on the CPU 95% of the time bounds the throughput") {
        RunResult result = health_result(false);
        result.worker_cpu_s = {9.4, 1.0};
        CHECK_FALSE(barrage::report::judge_generator(result).saturated);
        result.worker_cpu_s = {9.6, 1.0};
        CHECK(barrage::report::judge_generator(result).saturated);
    }

    TEST_CASE("Little's law suggests connections only when requests waited for one") {
        RunResult result = health_result(true);
        for (int i = 0; i < 100; ++i) {
            result.totals.service_time_us.record_value(20'000);  // 20 ms
        }
        CHECK(barrage::report::suggested_connections(result) == 0);
        result.totals.counters.requests_late = 100;  // 1% of the sent
        // 1000 req/s x 20 ms = 20 busy connections, +25%.
        CHECK(barrage::report::suggested_connections(result) == 25);
        barrage::report::add_generator_warnings(result);
        REQUIRE(result.warnings.size() == 1);
        CHECK(result.warnings[0].find("Little's law") != std::string::npos);
    }

    TEST_CASE("no Little's law suggestion when the service time grew with the load") {
        RunResult result = health_result(true);
        result.totals.counters.requests_late = 100;
        // A target whose queue grew: the first requests took 2 ms, the rest up to 40 ms.
        for (int i = 0; i < 100; ++i) {
            result.totals.service_time_us.record_value(i < 10 ? 2'000 : 2'000 + 400 * i);
        }
        CHECK(barrage::report::service_time_grew(result.totals.service_time_us));
        CHECK(barrage::report::suggested_connections(result) == 0);
        barrage::report::add_generator_warnings(result);
        REQUIRE(result.warnings.size() == 1);
        CHECK(result.warnings[0].find("the target, not the connection count, is the limit") !=
              std::string::npos);
        CHECK(result.warnings[0].find("Little's law") == std::string::npos);
    }
}

TEST_CASE("failure_rate sits beside error_rate in the JSON, the per-name CSV and the summary") {
    RunResult result = crafted_result();  // 9990 completed, 7 errors
    result.requests = {{"login", {}, {}}, {"browse", {}, {}}};
    result.totals.by_name.resize(2);
    result.totals.by_name[0].completed = 90;
    result.totals.by_name[0].errors = 7;
    result.totals.by_name[0].responses_failed = 3;
    for (int64_t us = 1; us <= 100; ++us) {
        result.totals.by_name[0].latency_us.record_value(us);
    }
    result.totals.by_name[1].completed = 9900;
    result.totals.by_name[1].responses_failed = 10;
    const Json doc = parse(barrage::report::format_json(open_loop_plan(), result));
    const Json& requests = doc["requests"];
    CHECK(requests["responses_failed"].text == "13");
    CHECK(requests["error_rate"].number() == doctest::Approx(7.0 / 9997.0));
    CHECK(requests["failure_rate"].number() == doctest::Approx(20.0 / 9997.0));
    const Json& login = doc["requests_by_name"]["login"];
    CHECK(login["responses_failed"].text == "3");
    CHECK(login["error_rate"].number() == doctest::Approx(7.0 / 97.0));
    CHECK(login["failure_rate"].number() == doctest::Approx(10.0 / 97.0));
    CHECK(login["latency"]["p95"].text == "95");
    CHECK(doc["latency"]["p95"].text == "950");
    CHECK(doc["latency_judged"]["p95"].type != Json::Type::null);
    const std::string csv = barrage::report::format_requests_csv(result);
    CHECK(
        csv.starts_with("name,sent,completed,errors,checks_failed,rps,p50_us,p90_us,p99_us,"
                        "p999_us,max_us,p95_us,responses_failed,failure_rate\n"));
    CHECK(csv.find("\nlogin,0,90,7,0,9.000,50,90,99,100,100,95,3,0.103093\n") != std::string::npos);
    const std::string summary = barrage::report::format_summary(open_loop_plan(), result);
    const auto line = summary.find("Failure rate");
    REQUIRE(line != std::string::npos);
    CHECK(summary.substr(line, summary.find('\n', line) - line)
              .ends_with("0.20% (7 no answer + 13 failed responses); error rate 0.07%"));
}

TEST_CASE("per-name and per-phase tables show '-' for latency where nothing completed") {
    RunResult result = crafted_result();
    result.requests = {{"login", {}, {}}, {"idle", {}, {}}};
    result.totals.by_name.resize(2);
    result.totals.by_name[0].completed = 2;
    result.totals.by_name[0].latency_us.record_value(1500);
    result.totals.by_name[0].latency_us.record_value(1500);
    result.phases.resize(2);
    result.phases[0].name = "busy";
    result.phases[0].end_s = 1;
    result.phases[0].latency_us.record_value(800);
    result.phases[1].name = "quiet";
    result.phases[1].start_s = 1;
    result.phases[1].end_s = 2;
    const std::string summary = barrage::report::format_summary(open_loop_plan(), result);
    const auto line_of = [&](std::string_view start) {
        const auto at = summary.find(start);
        REQUIRE(at != std::string::npos);
        return summary.substr(at, summary.find('\n', at) - at);
    };
    CHECK(line_of("  login").find("1.50ms") != std::string::npos);
    CHECK(line_of("  idle").ends_with("-         -         -         -"));
    CHECK(line_of("  busy").find("800us") != std::string::npos);
    CHECK(line_of("  quiet").ends_with("-         -         -"));
}

// ---- the watched target (--watch-pid, --watch-cgroup, --watch-url) ----

namespace {

barrage::watch::WatchResult crafted_watch() {
    barrage::watch::WatchResult watch;
    barrage::watch::TargetWatch process;
    process.name = "pid 42 (app)";
    process.kind = "pid";
    for (int i = 0; i < 4; ++i) {
        barrage::watch::ResourceSample sample;
        sample.t_s = 0.5 * i - 0.002;
        sample.rss_bytes = (100 + 10 * i) * 1024 * 1024;
        sample.cpu_s = 0.25 * i;
        sample.fds = i == 2 ? -1 : 20;
        sample.threads = 4;
        process.samples.push_back(sample);
    }
    process.growth.rss_mb_per_min = 1200.0;
    process.growth.fds_per_min = 0.0;
    process.growth.threads_per_min = 0.0;
    process.growth.still_climbing = true;
    process.growth.leak_suspected = true;
    barrage::watch::TargetWatch gone = process;
    gone.name = "pid 43 (helper)";
    gone.growth = {};
    gone.exited_at_s = 0.75;
    watch.targets = {process, gone};
    watch.url = "http://127.0.0.1:9100/metrics";
    watch.series = {{"up{job=\"a\"}", {0.0, 1.0}, {1.0, std::nan("")}}};
    watch.scrapes = 3;
    watch.scrape_failures = 1;
    watch.scrape_error_first = "connect: Connection refused";
    return watch;
}

}  // namespace

TEST_SUITE("watch") {
    TEST_CASE("the JSON has a watch section after thresholds only when something is watched") {
        const auto watch = crafted_watch();
        const Json doc =
            parse(barrage::report::format_json(open_loop_plan(), crafted_result(), {}, &watch));
        const auto keys = doc.keys();
        REQUIRE(keys.size() >= 3);
        CHECK(keys[keys.size() - 3] == "watch");  // then intervals, then the archive
        const Json& section = doc["watch"];
        CHECK(section.keys() == std::vector<std::string>{"limits", "targets", "scrape"});
        CHECK(section["limits"]["rss_mb_per_min"].text == "10");
        const Json& target = section["targets"].items.at(0);
        CHECK(target.keys() == std::vector<std::string>{"name", "kind", "growth", "still_climbing",
                                                        "leak_suspected", "exited_at_s",
                                                        "samples"});
        CHECK(target["name"].text == "pid 42 (app)");
        CHECK(target["growth"]["rss_mb_per_min"].text == "1200");
        CHECK(target["leak_suspected"].flag);
        CHECK(target["exited_at_s"].type == Json::Type::null);
        const Json& sample = target["samples"].items.at(1);
        CHECK(sample.keys() ==
              std::vector<std::string>{"t_s", "rss_bytes", "cpu_s", "fds", "threads"});
        CHECK(sample["t_s"].text == "0.498");
        CHECK(sample["rss_bytes"].text == std::to_string(110 * 1024 * 1024));
        CHECK(target["samples"].items.at(2)["fds"].type == Json::Type::null);
        const Json& gone = section["targets"].items.at(1);
        CHECK(gone["exited_at_s"].text == "0.75");
        CHECK(gone["growth"]["rss_mb_per_min"].type == Json::Type::null);
        const Json& scrape = section["scrape"];
        CHECK(scrape["failures"].text == "1");
        CHECK(scrape["series_dropped"].text == "0");
        CHECK(scrape["first_error"].text == "connect: Connection refused");
        const Json& series = scrape["series"].items.at(0);
        CHECK(series["key"].text == "up{job=\"a\"}");
        CHECK(series["points"].items.at(1).items.at(1).type == Json::Type::null);  // NaN

        const barrage::watch::WatchResult nothing;
        for (const auto* none :
             {&nothing, static_cast<const barrage::watch::WatchResult*>(nullptr)}) {
            const Json plain =
                parse(barrage::report::format_json(open_loop_plan(), crafted_result(), {}, none));
            CHECK_FALSE(plain.has("watch"));
        }
    }

    TEST_CASE("the CSV gains rss_mb, fds and threads of the first target, nearest sample") {
        const auto watch = crafted_watch();
        CHECK(barrage::report::format_csv(crafted_result(), &watch) ==
              "t_s,requests,errors,rps,p50_us,p90_us,p99_us,p999_us,max_us,p95_us,rss_mb,fds,"
              "threads\n"
              "1.000,1000,1,1000.00,500,900,990,1234,2500000,950,120.00,,4\n"
              "1.500,499,0,998.00,500,900,990,1234,2500000,950,130.00,20,4\n");
        barrage::watch::WatchResult url_only;
        url_only.url = "http://127.0.0.1:9100/metrics";
        CHECK(barrage::report::format_csv(crafted_result(), &url_only) ==
              barrage::report::format_csv(crafted_result()));
        barrage::watch::WatchResult early = crafted_watch();
        early.targets[0].samples.resize(1);  // exited before the intervals: empty fields
        CHECK(barrage::report::format_csv(crafted_result(), &early).find("2500000,950,,,\n") !=
              std::string::npos);
    }

    TEST_CASE("the summary has a Watch line per target and the warnings say what went wrong") {
        const auto watch = crafted_watch();
        const std::string summary =
            barrage::report::format_summary(open_loop_plan(), crafted_result(), {}, &watch);
        CHECK(
            summary.find("Watch        pid 42 (app): RSS 100.0 MB -> 130.0 MB (+1200.0 MB/min), "
                         "fds 20 (+0.0/min), threads 4 (+0.0/min), CPU 0.75s  LEAK SUSPECTED\n") !=
            std::string::npos);
        CHECK(summary.find("pid 43 (helper): RSS 100.0 MB -> 130.0 MB (growth n/a)") !=
              std::string::npos);
        CHECK(summary.find("http://127.0.0.1:9100/metrics: 1 series, 3 scrapes, 1 failed") !=
              std::string::npos);
        CHECK(barrage::report::format_summary(open_loop_plan(), crafted_result()).find("Watch") ==
              std::string::npos);
        const auto warnings = barrage::report::watch_warnings(watch);
        REQUIRE(warnings.size() == 3);
        CHECK(warnings[0] ==
              "pid 42 (app): leak suspected: RSS grows 1200.0 MB/min after warm-up (limit 10 "
              "MB/min), still climbing at the end");
        CHECK(warnings[1] ==
              "pid 43 (helper) exited 0.8s after the measured start; its samples stop there");
        CHECK(warnings[2] ==
              "--watch-url http://127.0.0.1:9100/metrics: 1 of 3 scrapes failed (first: connect: "
              "Connection refused)");
        CHECK(barrage::report::watch_warnings(barrage::watch::WatchResult{}).empty());
    }
}

TEST_SUITE("scenarios") {
    // A plan of two scenarios (open loop and users) and a result with theirs.
    RunPlan scenario_plan() {
        RunPlan plan = open_loop_plan();
        plan.profile_path = "scenarios.toml";
        barrage::plan::PhasePlan rate;
        rate.kind = barrage::plan::PhaseKind::constant;
        rate.rate_per_s = 40;
        rate.duration_ns = 3'000'000'000;
        barrage::plan::PhasePlan users;
        users.kind = barrage::plan::PhaseKind::users;
        users.users = 3;
        users.duration_ns = 2'000'000'000;
        plan.scenarios = {{.name = "browse", .tags = {"read"}, .phases = {rate}, .connections = 4},
                          {.name = "shop",
                           .tags = {"write"},
                           .phases = {users},
                           .start_ns = 500'000'000,
                           .connections = 3}};
        plan.phases.clear();
        plan.connections = 7;
        plan.cpus = {0, 1};
        return plan;
    }

    RunResult scenario_result() {
        RunResult result = crafted_result();
        result.phases.clear();
        barrage::stats::ScenarioResult browse{"browse", {"read"}, {}};
        browse.totals.counters.requests_sent = 120;
        browse.totals.counters.requests_completed = 118;
        browse.totals.counters.requests_errors = 2;
        browse.totals.counters.requests_unsent = 1;
        browse.totals.latency_us.record_value(900);
        barrage::stats::ScenarioResult shop{"shop", {"write"}, {}};
        shop.totals.counters.requests_sent = 60;
        shop.totals.counters.requests_completed = 59;
        shop.totals.counters.requests_unfinished = 1;
        shop.totals.latency_us.record_value(2500);
        result.scenarios = {browse, shop};
        return result;
    }

    TEST_CASE("the JSON has one object per scenario with its counts, mode and latency") {
        const Json doc = parse(barrage::report::format_json(scenario_plan(), scenario_result()));
        const Json& scenarios = doc["scenarios"];
        REQUIRE(scenarios.items.size() == 2);
        const Json& browse = scenarios.items[0];
        CHECK(browse.keys() == std::vector<std::string>{"name", "tags", "mode", "start_s",
                                                        "duration_s", "connections", "requests",
                                                        "throughput_rps", "latency"});
        CHECK(browse["duration_s"].number() == 3.0);
        CHECK(browse["connections"].text == "4");
        CHECK(browse["name"].text == "browse");
        CHECK(browse["tags"].items[0].text == "read");
        CHECK(browse["mode"].text == "open_loop");
        CHECK(browse["requests"]["sent"].text == "120");
        CHECK(browse["requests"]["errors"].text == "2");
        CHECK(browse["requests"]["scheduled"].text == "121");
        CHECK(browse["requests"]["error_rate"].number() == doctest::Approx(2.0 / 120.0));
        CHECK(browse["latency"]["p95"].text == "900");
        const Json& shop = scenarios.items[1];
        CHECK(shop["mode"].text == "closed_loop");
        CHECK(shop["start_s"].number() == 0.5);
        CHECK(shop["duration_s"].number() == 2.0);
        CHECK(shop["requests"]["unfinished"].text == "1");
        CHECK(shop["throughput_rps"].number() == doctest::Approx(5.9));
    }

    TEST_CASE("a profile without scenarios has no scenarios key (its JSON is unchanged)") {
        const Json doc = parse(barrage::report::format_json(open_loop_plan(), crafted_result()));
        CHECK_FALSE(doc.has("scenarios"));
        CHECK(barrage::report::format_summary(open_loop_plan(), crafted_result())
                  .find("By scenario") == std::string::npos);
    }

    TEST_CASE("the summary names the scenarios in its headline and has a table by scenario") {
        const std::string summary =
            barrage::report::format_summary(scenario_plan(), scenario_result());
        CHECK(summary.find("scenarios browse (open loop), shop (closed loop), up to 7 "
                           "connections, 2 threads, 3s") != std::string::npos);
        CHECK(summary.find("By scenario             req/s completed   errors   failed       p50 "
                           "      p95       p99       max\n") != std::string::npos);
        CHECK(summary.find("  browse                 11.8       118        2    1.67%") !=
              std::string::npos);
        CHECK(summary.find("  shop                    5.9        59        0    0.00%") !=
              std::string::npos);
    }
}

TEST_CASE("task groups get their own rows: JSON transactions_by_name, the summary and the CSV") {
    RunResult result = crafted_result();
    result.requests = {{"submit", {}, {}}, {"poll", {}, {}}};
    result.totals.by_name.resize(2);
    result.transactions = {{"checkout", {"poll until /status equals \"completed\" (3 tries)"}}};
    result.totals.by_transaction.emplace_back(0);
    barrage::stats::TransactionStats& checkout = result.totals.by_transaction[0];
    checkout.sent = 12;
    checkout.completed = 10;
    checkout.responses_failed = 2;
    checkout.tries_exhausted = 2;
    checkout.errors = 1;
    checkout.repeat_tries = 27;
    checkout.repeat_tries_max = 3;
    for (int64_t us = 1; us <= 8; ++us) {
        checkout.latency_us.record_value(us * 1000);
    }
    const Json doc = parse(barrage::report::format_json(open_loop_plan(), result));
    const Json& json = doc["transactions_by_name"]["checkout"];
    CHECK(json["sent"].text == "12");
    CHECK(json["completed"].text == "10");
    CHECK(json["errors"].text == "1");
    CHECK(json["unfinished"].text == "1");
    CHECK(json["succeeded"].text == "8");
    CHECK(json["tries_exhausted"].text == "2");
    CHECK(json["repeat_tries"].text == "27");
    CHECK(json["repeat_tries_max"].text == "3");
    CHECK(json["failure_rate"].number() == doctest::Approx(3.0 / 11.0));
    CHECK(json["latency"]["count"].text == "8");
    CHECK(json["latency"]["p95"].type != Json::Type::null);
    const std::string summary = barrage::report::format_summary(open_loop_plan(), result);
    CHECK(summary.find("By transaction") != std::string::npos);
    CHECK(summary.find("until not met after its tries 2 times: poll until /status equals "
                       "\"completed\" (3 tries)") != std::string::npos);
    CHECK(summary.find("unfinished at the end: 1") != std::string::npos);
    const std::string csv = barrage::report::format_requests_csv(result);
    CHECK(csv.find("\ncheckout,12,10,1,2,") != std::string::npos);
    // Without [[tasks]] nothing changes: no key, no table.
    const RunResult plain = crafted_result();
    CHECK(barrage::report::format_json(open_loop_plan(), plain).find("transactions_by_name") ==
          std::string::npos);
    CHECK(barrage::report::format_summary(open_loop_plan(), plain).find("By transaction") ==
          std::string::npos);
}

TEST_SUITE("summary: header, colours and levels (issue 16)") {
    TEST_CASE("a profile's header names the profile and its request count, not one URL") {
        RunPlan plan = open_loop_plan();
        plan.profile_path = "profiles/shop.toml";
        plan.requests.resize(3);
        const RunResult result = crafted_result();
        std::string head = barrage::report::format_summary(plan, result);
        head = head.substr(0, head.find('\n'));
        CHECK_MESSAGE(
            head.find(" — shop.toml: 3 requests to http://127.0.0.1:8080 — ") != std::string::npos,
            head);
        CHECK(head.find("/api?x=1") == std::string::npos);  // no one request's path
        plan.profile_name = "checkout journey";
        head = barrage::report::format_summary(plan, result);
        CHECK(
            head.find(" — checkout journey (shop.toml): 3 requests to http://127.0.0.1:8080 — ") !=
            std::string::npos);
    }

    TEST_CASE("with colour, FAIL is red, pass green, warnings yellow; without, no codes at all") {
        const barrage::gate::ThresholdOutcome outcomes[] = {
            {barrage::gate::parse_threshold("p99 < 1s").value(), 990.0, true},
            {barrage::gate::parse_threshold("p99 < 1ms").value(), 1990.0, false}};
        RunResult result = crafted_result();
        result.warnings = {"something to look at"};
        result.stopped_by = "abort threshold 'p99 < 1ms'";
        const std::string plain =
            barrage::report::format_summary(open_loop_plan(), result, outcomes);
        CHECK(plain.find("\x1b[") == std::string::npos);
        const std::string coloured =
            barrage::report::format_summary(open_loop_plan(), result, outcomes, nullptr, true);
        CHECK(coloured.find("\x1b[32mpass\x1b[0m") != std::string::npos);
        CHECK(coloured.find("\x1b[31mFAIL\x1b[0m") != std::string::npos);
        CHECK(coloured.find("\x1b[31mFAILED: 1 of 2\x1b[0m") != std::string::npos);
        CHECK(coloured.find("\x1b[33m- something to look at\x1b[0m") != std::string::npos);
        CHECK(coloured.find("\x1b[31mABORTED\x1b[0m after") != std::string::npos);
        CHECK(plain.find("1.99ms  FAIL") != std::string::npos);  // the value in readable units
    }

    TEST_CASE("the levels table has a line per level and the JSON every level") {
        RunResult result = crafted_result();
        const barrage::report::LevelRow rows[] = {barrage::report::level_row(1, result),
                                                  barrage::report::level_row(10, result)};
        const std::string table = barrage::report::format_levels_table(rows, true);
        CHECK(table.starts_with(" connections      req/s       p50       p95       p99"));
        CHECK(std::count(table.begin(), table.end(), '\n') == 3);
        const Json doc = parse(barrage::report::format_levels_json(rows, true, "http://h/"));
        CHECK(doc["levels"]["dimension"].text == "connections");
        const auto& levels = doc["levels"]["rows"].items;
        REQUIRE(levels.size() == 2);
        CHECK(levels[1]["connections"].number() == 10);
        CHECK(levels[0]["completed"].number() ==
              static_cast<double>(result.totals.counters.requests_completed));
    }
}
