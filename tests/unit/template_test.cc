#include "barrage/http/template.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <new>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "allocation_counter.h"
#include "barrage/http/data_file.h"

namespace {

using barrage::http::DataCursor;
using barrage::http::DataFile;
using barrage::http::Rng;
using barrage::http::RowOrder;
using barrage::http::Template;
using barrage::http::TemplateContext;
using barrage::http::TemplateScope;

Template compile_ok(std::string_view text, const TemplateScope& scope = {}) {
    auto result = Template::compile(text, scope);
    REQUIRE_MESSAGE(result.ok(), result.error().message);
    return std::move(result).value();
}

std::string compile_error(std::string_view text, const TemplateScope& scope = {}) {
    auto result = Template::compile(text, scope);
    REQUIRE_MESSAGE(!result.ok(), text);
    return result.error().message;
}

std::string render(const Template& t, TemplateContext& context) {
    std::string out;
    t.render(context, out);
    return out;
}

std::string render_once(std::string_view text, uint64_t seed = 1) {
    TemplateContext context(seed, 0);
    context.begin_request();
    return render(compile_ok(text), context);
}

bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// Counts of each rendered value over `draws` renders.
std::map<std::string, int> histogram(std::string_view text, int draws, uint64_t seed = 42) {
    const Template t = compile_ok(text);
    TemplateContext context(seed, 0);
    std::map<std::string, int> counts;
    for (int i = 0; i < draws; ++i) {
        ++counts[render(t, context)];
    }
    return counts;
}

// A uniform count over `k` outcomes stays within 5 standard deviations of n/k
// (a false failure about once in 3.5 million per value; the seed is fixed anyway).
void check_uniform(const std::map<std::string, int>& counts, int draws, std::size_t k) {
    REQUIRE(counts.size() == k);
    const double p = 1.0 / static_cast<double>(k);
    const double expected = draws * p;
    const double sigma = std::sqrt(draws * p * (1 - p));
    for (const auto& [value, count] : counts) {
        CAPTURE(value);
        CHECK(std::abs(count - expected) < 5 * sigma);
    }
}

// ---------------------------------------------------------------- rendering

TEST_CASE("a template without placeholders is constant and renders its text") {
    const Template t = compile_ok("GET /plain {\"a\":{\"b\":1}}");
    CHECK(t.is_constant());
    CHECK(t.constant_text() == "GET /plain {\"a\":{\"b\":1}}");
    CHECK(render_once("GET /plain {\"a\":{\"b\":1}}") == "GET /plain {\"a\":{\"b\":1}}");
    CHECK(render_once("") == "");
}

TEST_CASE("four braces write a literal pair of braces") {
    const Template t = compile_ok("a{{{{b}}c");
    CHECK(t.is_constant());
    CHECK(t.constant_text() == "a{{b}}c");
    CHECK(render_once("{{{{{{int 7 7}}") == "{{7");
}

TEST_CASE("int renders integers within the inclusive range, whitespace inside is free") {
    CHECK(render_once("{{int 5 5}}") == "5");
    CHECK(render_once("x{{ int   -3 -3 }}y") == "x-3y");
    const auto counts = histogram("{{int -2 2}}", 5000);
    std::set<std::string> seen;
    for (const auto& [value, count] : counts) {
        seen.insert(value);
    }
    CHECK(seen == std::set<std::string>{"-2", "-1", "0", "1", "2"});
}

TEST_CASE("int over the whole int64 range works") {
    const Template t = compile_ok("{{int -9223372036854775808 9223372036854775807}}");
    TemplateContext context(3, 0);
    for (int i = 0; i < 100; ++i) {
        const std::string out = render(t, context);
        CHECK(!out.empty());
    }
}

TEST_CASE("float renders reals in [min, max) with at most 6 decimals") {
    const Template t = compile_ok("{{float 1.5 2.5}}");
    TemplateContext context(9, 0);
    for (int i = 0; i < 2000; ++i) {
        const std::string out = render(t, context);
        CAPTURE(out);
        const double value = std::strtod(out.c_str(), nullptr);
        CHECK(value >= 1.5);
        CHECK(value < 2.5);
        const auto dot = out.find('.');
        CHECK((dot == std::string::npos || out.size() - dot - 1 <= 6));
        CHECK(out.back() != '0');
    }
    CHECK(render_once("{{float 3 3}}") == "3");
    CHECK(render_once("{{float -0.25 -0.25}}") == "-0.25");
}

TEST_CASE("choice renders one of its words, quoted words may hold spaces and braces") {
    CHECK(render_once("{{choice only}}") == "only");
    CHECK(render_once("{{choice \"a b}}\"}}") == "a b}}");
    CHECK(render_once("{{choice \"say \\\"hi\\\"\"}}") == "say \"hi\"");
    const auto counts = histogram("{{choice red \"dark blue\" green}}", 3000);
    CHECK(counts.size() == 3);
    CHECK(counts.count("dark blue") == 1);
}

TEST_CASE("seq counts requests from START, in steps of the worker stride") {
    const Template t = compile_ok("{{seq}}/{{seq 100}}/{{seq}}");
    TemplateContext context(1, 0, 2, 3);  // worker 2 of 3
    std::vector<std::string> outs;
    for (int i = 0; i < 3; ++i) {
        context.begin_request();
        outs.push_back(render(t, context));
    }
    CHECK(outs == std::vector<std::string>{"2/102/2", "5/105/5", "8/108/8"});
}

TEST_CASE("uuid renders distinct version 4 UUIDs in lowercase 8-4-4-4-12 form") {
    const Template t = compile_ok("{{uuid}}");
    TemplateContext context(5, 0);
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        const std::string uuid = render(t, context);
        CAPTURE(uuid);
        REQUIRE(uuid.size() == 36);
        for (std::size_t j = 0; j < uuid.size(); ++j) {
            if (j == 8 || j == 13 || j == 18 || j == 23) {
                CHECK(uuid[j] == '-');
            } else {
                CHECK(is_lower_hex(uuid[j]));
            }
        }
        CHECK(uuid[14] == '4');
        CHECK(std::string_view("89ab").find(uuid[19]) != std::string_view::npos);
        seen.insert(uuid);
    }
    CHECK(seen.size() == 1000);
}

TEST_CASE("now and now_ms render the context's time, which the caller sets") {
    const Template t = compile_ok("{{now}} {{now_ms}}");
    TemplateContext context(1, 0);
    context.now_unix_ns = 1'700'000'000'123'456'789;
    CHECK(render(t, context) == "1700000000 1700000000123");
    context.now_unix_ns += 1'000'000'000;
    CHECK(render(t, context) == "1700000001 1700000001123");
}

TEST_CASE("variables render their set or bound values; unset ones render empty and are counted") {
    const TemplateScope scope{{"token", "user_id"}};
    const Template t = compile_ok("Bearer {{token}} for {{user_id}}/{{token}}", scope);
    CHECK_FALSE(t.is_constant());
    CHECK(t.variables_used() == std::vector<std::size_t>{0, 1});
    TemplateContext context(1, 2);
    CHECK(render(t, context) == "Bearer  for /");
    CHECK(context.unset_variable_renders() == 3);
    const std::string cell = "u-17";
    context.set_variable(0, "abc");
    context.bind_variable(1, cell);
    CHECK(render(t, context) == "Bearer abc for u-17/abc");
    context.bind_variable(1, std::string_view());
    CHECK(context.has_variable(1));
    context.clear_variables();
    CHECK_FALSE(context.has_variable(0));
}

TEST_CASE("render allocates nothing once the output has room") {
    const TemplateScope scope{{"token"}};
    const Template t = compile_ok(
        "{\"id\":\"{{uuid}}\",\"n\":{{int 1 1000000}},\"x\":{{float 0 1}},\"c\":\"{{choice a "
        "\\\"b c\\\"}}\",\"s\":{{seq 7}},\"t\":{{now_ms}},\"k\":\"{{token}}\"}",
        scope);
    TemplateContext context(1, 1);
    context.set_variable(0, "secret-token");
    std::string out;
    out.reserve(1024);
    const int64_t before = barrage::test::allocation_count();
    for (int i = 0; i < 1000; ++i) {
        out.clear();
        context.begin_request();
        t.render(context, out);
    }
    CHECK(barrage::test::allocation_count() == before);
    CHECK(out.find("secret-token") != std::string::npos);
}

// ---------------------------------------------------------------- randomness

TEST_CASE("choice picks each word uniformly within statistical bounds (fixed seed)") {
    constexpr int kDraws = 40000;
    check_uniform(histogram("{{choice a b c d}}", kDraws), kDraws, 4);
}

TEST_CASE("int picks each value uniformly within statistical bounds (fixed seed)") {
    constexpr int kDraws = 50000;
    const auto counts = histogram("{{int 1 10}}", kDraws);
    check_uniform(counts, kDraws, 10);
    CHECK(counts.count("1") == 1);
    CHECK(counts.count("10") == 1);
}

TEST_CASE("float has the mean and spread of a uniform distribution (fixed seed)") {
    const Template t = compile_ok("{{float 0 100}}");
    TemplateContext context(11, 0);
    constexpr int kDraws = 20000;
    double sum = 0;
    int below_quarter = 0;
    for (int i = 0; i < kDraws; ++i) {
        const double value = std::strtod(render(t, context).c_str(), nullptr);
        sum += value;
        below_quarter += value < 25 ? 1 : 0;
    }
    const double sigma_mean = 100 / std::sqrt(12.0) / std::sqrt(kDraws);
    CHECK(std::abs(sum / kDraws - 50) < 5 * sigma_mean);
    CHECK(std::abs(below_quarter - kDraws / 4.0) < 5 * std::sqrt(kDraws * 0.25 * 0.75));
}

TEST_CASE("the same seed renders the same sequence; another seed does not") {
    const Template t = compile_ok("{{uuid}} {{int 0 1000000}} {{float 0 1}} {{choice a b c}}");
    auto run = [&](uint64_t seed) {
        TemplateContext context(seed, 0);
        std::string all;
        for (int i = 0; i < 50; ++i) {
            t.render(context, all);
        }
        return all;
    };
    CHECK(run(123) == run(123));
    CHECK(run(123) != run(124));
}

TEST_CASE("Rng draws stay in range, including degenerate and full ranges") {
    Rng rng(0);
    for (int i = 0; i < 1000; ++i) {
        CHECK(rng.below(1) == 0);
        CHECK(rng.below(3) < 3);
        CHECK(rng.uniform_int(-1, -1) == -1);
        const double u = rng.unit();
        CHECK(u >= 0.0);
        CHECK(u < 1.0);
    }
    // The outputs are fixed by the algorithm (xoshiro256** seeded by splitmix64,
    // values from an independent Python model): a change breaks --seed reproducibility.
    Rng a(42);
    CHECK(a.next() == 0x15780b2e0c2ec716ULL);
    CHECK(a.next() == 0x6104d9866d113a7eULL);
    CHECK(a.next() == 0xae17533239e499a1ULL);
}

// ---------------------------------------------------------------- errors

TEST_CASE("an unknown variable is an error naming it, its offset and the known names") {
    const TemplateScope scope{{"token", "user_id"}};
    CHECK(compile_error("Authorization: {{tokn}}", scope) ==
          "unknown variable 'tokn' at offset 15 (known: token, user_id)");
    CHECK(compile_error("{{x}}") == "unknown variable 'x' at offset 0 (no variables are defined)");
}

TEST_CASE("malformed placeholders are errors with their offsets") {
    CHECK(compile_error("abc {{int 1 2") ==
          "unclosed placeholder at offset 4: expected '}}' (write a literal '{{' as '{{{{')");
    CHECK(compile_error("ab{{choice \"x}}").find("unclosed placeholder at offset 2") == 0);
    CHECK(compile_error("x{{ }}") ==
          "empty placeholder: expected a variable name or a generator (int, float, choice, seq, "
          "uuid, now, now_ms) in placeholder '{{ }}' at offset 1");
    CHECK(compile_error("{{int 1}}").find("bad arguments: expected {{int MIN MAX}}") == 0);
    CHECK(compile_error("{{int 5 1}}").find("at offset 0") != std::string::npos);
    CHECK(compile_error("{{int 1 2x}}").find("bad arguments") == 0);
    CHECK(compile_error("{{int 1 99999999999999999999}}").find("bad arguments") == 0);
    CHECK(compile_error("{{float 2 1}}").find("expected {{float MIN MAX}}") != std::string::npos);
    CHECK(compile_error("{{float nan 1}}").find("bad arguments") == 0);
    CHECK(compile_error("{{choice}}").find("no words") == 0);
    CHECK(compile_error("{{seq -1}}").find("{{seq START}}") != std::string::npos);
    CHECK(compile_error("..{{uuid 4}}") ==
          "'uuid' takes no arguments in placeholder '{{uuid 4}}' at offset 2");
    CHECK(compile_error("{{random 1 2}}") ==
          "unknown generator 'random': expected int, float, choice, seq, uuid, now or now_ms in "
          "placeholder '{{random 1 2}}' at offset 0");
    CHECK(compile_error("{{\"token\"}}").find("unknown generator") == 0);
}

TEST_CASE("generator names are not variable names") {
    using barrage::http::is_variable_name;
    CHECK(is_variable_name("user_id"));
    CHECK(is_variable_name("a.b-c_9"));
    CHECK_FALSE(is_variable_name(""));
    CHECK_FALSE(is_variable_name("uuid"));
    CHECK_FALSE(is_variable_name("a b"));
    CHECK_FALSE(is_variable_name(std::string(65, 'a')));
    // Even when a scope holds one, the generator wins.
    const TemplateScope scope{{"now"}};
    TemplateContext context(1, 1);
    context.now_unix_ns = 5'000'000'000;
    CHECK(render(compile_ok("{{now}}", scope), context) == "5");
}

// ---------------------------------------------------------------- CSV data files

DataFile parse_ok(std::string_view text) {
    auto result = DataFile::parse(text, "users.csv");
    REQUIRE_MESSAGE(result.ok(), result.error().message);
    return std::move(result).value();
}

std::string parse_error(std::string_view text) {
    auto result = DataFile::parse(text, "users.csv");
    REQUIRE_MESSAGE(!result.ok(), text);
    return result.error().message;
}

TEST_CASE("a CSV file gives column names from its header and cells by row") {
    const DataFile file =
        parse_ok("user,password\nalice,a1\r\nbob,\"b,2\"\n\n\"carol\",\"c\"\"3\nx\"");
    CHECK(file.columns == std::vector<std::string>{"user", "password"});
    REQUIRE(file.row_count() == 3);
    CHECK(file.cell(0, 0) == "alice");
    CHECK(file.cell(1, 1) == "b,2");
    CHECK(file.cell(2, 0) == "carol");
    CHECK(file.cell(2, 1) == "c\"3\nx");
    CHECK(file.column_index("password") == 1);
    CHECK(file.column_index("nope") == -1);
}

TEST_CASE("a byte order mark, empty fields and a missing final newline are accepted") {
    const DataFile file = parse_ok(
        "\xEF\xBB\xBF"
        "a,b,c\n,,\n1,,3");
    CHECK(file.columns[0] == "a");
    REQUIRE(file.row_count() == 2);
    CHECK(file.cell(0, 0).empty());
    CHECK(file.cell(0, 2).empty());
    CHECK(file.cell(1, 2) == "3");
}

TEST_CASE("CSV errors name the file and line and say what is wrong") {
    CHECK(parse_error("a,b\n1,2\n\n3\n") ==
          "users.csv:4: row has 1 fields, the header has 2 columns");
    CHECK(parse_error("a\n1\n\"open\nstill open") ==
          "users.csv:3: unterminated quoted field: the '\"' at column 1 is never closed");
    CHECK(parse_error("a,b\n\"x\"y,2")
              .find("users.csv:2: column 4: unexpected character after a "
                    "closing quote") == 0);
    CHECK(parse_error("a,b\n1,x\"y").find("users.csv:2: column 4: '\"' inside an unquoted field") ==
          0);
    CHECK(parse_error("a,b c\n1,2").find("users.csv:1: column 2 is named 'b c'") == 0);
    CHECK(parse_error("a,uuid\n1,2").find("column 2 is named 'uuid'") != std::string::npos);
    CHECK(parse_error("a,a\n1,2") == "users.csv:1: column name 'a' appears twice");
    CHECK(parse_error("") == "users.csv: empty data file: expected a header row with column names");
    CHECK(parse_error("\n\n") ==
          "users.csv: empty data file: expected a header row with column names");
    CHECK(parse_error("a,b\n") == "users.csv: no data rows after the header row");
}

TEST_CASE("loading a missing data file says so with the path") {
    auto result = DataFile::load("/nonexistent/users.csv");
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().message ==
          "/nonexistent/users.csv: cannot open data file: No such file or directory");
}

TEST_CASE("loading a data file reads it from disk") {
    char path[] = "/tmp/barrage-data-XXXXXX";
    const int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    const std::string text = "id\n7\n8\n";
    REQUIRE(write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    close(fd);
    auto result = DataFile::load(path);
    std::remove(path);
    REQUIRE_MESSAGE(result.ok(), result.error().message);
    CHECK(result.value().row_count() == 2);
    CHECK(result.value().cell(1, 0) == "8");
}

TEST_CASE("round-robin rows start at the worker's first row and step by the stride") {
    const DataFile file = parse_ok("n\n0\n1\n2\n3\n4\n");
    Rng rng(1);
    DataCursor cursor(file, RowOrder::round_robin, {0}, 1, 2);
    std::vector<std::size_t> rows;
    for (int i = 0; i < 6; ++i) {
        rows.push_back(cursor.next_row(rng));
    }
    CHECK(rows == std::vector<std::size_t>{1, 3, 0, 2, 4, 1});
}

TEST_CASE("random rows are uniform within statistical bounds (fixed seed)") {
    const DataFile file = parse_ok("n\na\nb\nc\n");
    Rng rng(77);
    DataCursor cursor(file, RowOrder::random, {0});
    constexpr int kDraws = 30000;
    std::map<std::string, int> counts;
    for (int i = 0; i < kDraws; ++i) {
        ++counts[std::to_string(cursor.next_row(rng))];
    }
    check_uniform(counts, kDraws, 3);
}

TEST_CASE("bind_next binds a row's cells to the template variables of its columns") {
    const DataFile file = parse_ok("user,password\nalice,a1\nbob,b2\n");
    const TemplateScope scope{{"token", "password", "user"}};
    const Template t = compile_ok("{{user}}:{{password}}", scope);
    TemplateContext context(1, 3);
    DataCursor cursor(file, RowOrder::round_robin, {2, 1});
    CHECK(cursor.bind_next(context) == 0);
    CHECK(render(t, context) == "alice:a1");
    const int64_t before = barrage::test::allocation_count();
    cursor.bind_next(context);
    CHECK(barrage::test::allocation_count() == before);
    CHECK(render(t, context) == "bob:b2");
}

TEST_CASE("set stores a generator's value in a variable that later placeholders read") {
    const TemplateScope scope{{"tenant"}};
    const Template first = compile_ok("/t/{{set tenant = int 1000 9999}}?again={{tenant}}", scope);
    const Template later = compile_ok("tenant={{tenant}}", scope);
    CHECK_FALSE(first.is_constant());
    CHECK(first.variables_used() == std::vector<std::size_t>{0});
    TemplateContext context(7, 1);
    std::set<std::string> drawn;
    for (int i = 0; i < 20; ++i) {
        const std::string path = render(first, context);
        const std::string value = path.substr(3, 4);
        CHECK(path == "/t/" + value + "?again=" + value);
        CHECK(std::stoi(value) >= 1000);
        CHECK(std::stoi(value) <= 9999);
        CHECK(render(later, context) == "tenant=" + value);  // the next request of the session
        drawn.insert(value);
    }
    CHECK(drawn.size() > 10);  // '=' draws anew each time it renders
    CHECK(context.unset_variable_renders() == 0);
}

TEST_CASE("set with ?= draws once per session: until the variables are cleared") {
    const TemplateScope scope{{"id"}};
    const Template t = compile_ok("{{set id ?= uuid}}|{{id}}", scope);
    TemplateContext context(3, 1);
    const std::string first = render(t, context);
    REQUIRE(first.size() == 73);
    CHECK(first.substr(0, 36) == first.substr(37));
    CHECK(render(t, context) == first);
    context.clear_variables();  // a new session
    CHECK(render(t, context) != first);
}

TEST_CASE("set accepts every generator, with or without spaces around '='") {
    const TemplateScope scope{{"a", "b", "c"}};
    TemplateContext context(1, 3);
    CHECK(render(compile_ok("{{set a=choice x}}{{a}}", scope), context) == "xx");
    CHECK(render(compile_ok("{{ set b = seq 5 }}:{{b}}", scope), context) == "5:5");
    CHECK(render(compile_ok("{{set c ?=choice \"p q\"}}", scope), context) == "p q");
    CHECK(context.variable(2) == "p q");
}

TEST_CASE("variables_set lists each variable a text sets, once, in order") {
    using V = std::vector<std::string>;
    CHECK(Template::variables_set("{{set b = uuid}} {{set a ?= int 1 2}} {{set b = uuid}}") ==
          V{"b", "a"});
    CHECK(Template::variables_set("{{{{set x = uuid}} {{user}} {{set 9 bad = uuid}}").empty());
    CHECK(Template::variables_set("{{set x = uuid").empty());
}

TEST_CASE("a malformed set says what to write") {
    const TemplateScope scope{{"x"}};
    CHECK(
        compile_error("{{set x}}", scope).starts_with("bad set: expected {{set NAME = GENERATOR"));
    CHECK(compile_error("{{set}}", scope).starts_with("bad set"));
    CHECK(compile_error("{{set x =}}", scope).starts_with("nothing to set"));
    CHECK(compile_error("{{set a b = uuid}}", scope).starts_with("'a b' cannot be a variable"));
    CHECK(compile_error("{{set x = x}}", scope).starts_with("unknown generator 'x'"));
    CHECK(compile_error("{{set x = int 9 1}}", scope).starts_with("bad arguments"));
    CHECK(compile_error("{{set y = uuid}}", scope).starts_with("unknown variable 'y' to set"));
    CHECK_FALSE(barrage::http::is_variable_name("set"));
}

TEST_CASE("form_urlencoded encoding encodes what placeholders render, not the literal text") {
    const TemplateScope scope{{"x"}};
    auto compiled =
        Template::compile("a=1&b={{set x = choice \"p&q r\"}}&c={{x}}&d={{set x ?= uuid}}", scope,
                          barrage::http::TemplateEncoding::form_urlencoded);
    REQUIRE(compiled.ok());
    TemplateContext context(1, 1);
    CHECK(render(compiled.value(), context) == "a=1&b=p%26q+r&c=p%26q+r&d=p%26q+r");
    CHECK(context.variable(0) == "p&q r");  // the variable keeps the value, not its encoding
}

TEST_CASE("segments split a text into literal runs and placeholders as compile reads it") {
    auto parts = Template::segments("a{{{{b{{x}}{{choice \"}}\"}}c");
    REQUIRE(parts.ok());
    REQUIRE(parts.value().size() == 4);
    CHECK(parts.value()[0].text == "a{{b");
    CHECK_FALSE(parts.value()[0].placeholder);
    CHECK(parts.value()[1].text == "{{x}}");
    CHECK(parts.value()[2].text == "{{choice \"}}\"}}");
    CHECK(parts.value()[2].placeholder);
    CHECK(parts.value()[3].text == "c");
    CHECK(
        Template::segments("{{x").error().message.starts_with("unclosed placeholder at offset 0"));
}

}  // namespace
