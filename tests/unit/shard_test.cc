// Sharding (`barrage run --shard I/N`): the flags and the engines' environment
// (cli/shard_args.h), and the plan's arithmetic (plan/shard.h): shares, output
// names, the test id, the refusals.
#include "barrage/plan/shard.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "barrage/cli/command_line.h"
#include "barrage/cli/shard_args.h"
#include "barrage/http/data_file.h"
#include "test_support.h"

namespace cli = barrage::cli;
namespace plan = barrage::plan;
using barrage::test::contains;

namespace {

constexpr int64_t s_ns = 1'000'000'000;

// An environment of just these variables.
cli::EnvLookup env_of(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](const char* name) -> const char* {
        const auto found = vars.find(name);
        return found == vars.end() ? nullptr : found->second.c_str();
    };
}

std::string shard_error(std::string_view text) {
    auto parsed = cli::parse_shard(text);
    REQUIRE_FALSE(parsed.ok());
    return parsed.error().message;
}

barrage::base::Result<cli::Command> parse(std::vector<const char*> args) {
    args.insert(args.begin(), "barrage");
    return cli::parse_command_line(static_cast<int>(args.size()), args.data());
}

plan::RunPlan parse_run(std::vector<const char*> args) {
    auto result = parse(std::move(args));
    REQUIRE_MESSAGE(result.ok(), (result.ok() ? "" : result.error().message));
    REQUIRE(std::holds_alternative<plan::RunPlan>(result.value()));
    return std::get<plan::RunPlan>(std::move(result).value());
}

std::string run_error(std::vector<const char*> args) {
    auto result = parse(std::move(args));
    REQUIRE_FALSE(result.ok());
    return result.error().message;
}

}  // namespace

TEST_CASE("--shard I/N is 1-based and refuses every malformed or out-of-range form") {
    auto ok = cli::parse_shard("2/4");
    REQUIRE(ok.ok());
    CHECK(ok.value().index == 2);
    CHECK(ok.value().count == 4);
    CHECK(ok.value().source == "flag");
    CHECK(cli::parse_shard("1/1").ok());
    CHECK(cli::parse_shard("4/4").ok());
    CHECK(contains(shard_error("0/4"), "the index must be 1 to 4 (1-based)"));
    CHECK(contains(shard_error("5/4"), "the index must be 1 to 4"));
    CHECK(contains(shard_error("1/0"), "N must be 1 to"));
    for (const char* bad : {"x/y", "2", "2/", "/4", "2/4/8", "-1/4", "2.5/4", " 2/4", ""}) {
        CAPTURE(bad);
        CHECK(contains(shard_error(bad), "is not I/N; use --shard I/N with 1 <= I <= N"));
    }
}

TEST_CASE("--shard auto reads Slurm, a Kubernetes Indexed Job or MPI, ranks 0-based") {
    auto slurm = cli::shard_from_environment(env_of({{"SLURM_PROCID", "3"}, {"SLURM_NTASKS", "4"}}),
                                             std::nullopt);
    REQUIRE(slurm.ok());
    CHECK(slurm.value().index == 4);
    CHECK(slurm.value().count == 4);
    CHECK(slurm.value().source == "slurm");

    auto job = cli::shard_from_environment(env_of({{"JOB_COMPLETION_INDEX", "0"}}), 8);
    REQUIRE(job.ok());
    CHECK(job.value().index == 1);
    CHECK(job.value().count == 8);
    CHECK(job.value().source == "kubernetes");

    auto mpi = cli::shard_from_environment(
        env_of({{"OMPI_COMM_WORLD_RANK", "1"}, {"OMPI_COMM_WORLD_SIZE", "2"}}), std::nullopt);
    REQUIRE(mpi.ok());
    CHECK(mpi.value().index == 2);
    CHECK(mpi.value().source == "mpi");
}

TEST_CASE("--shard auto says what it looked for and what is wrong") {
    auto none = cli::shard_from_environment(env_of({}), std::nullopt);
    REQUIRE_FALSE(none.ok());
    for (const char* name : {"SLURM_PROCID", "SLURM_NTASKS", "JOB_COMPLETION_INDEX",
                             "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "--shard I/N"}) {
        CHECK(contains(none.error().message, name));
    }
    auto job = cli::shard_from_environment(env_of({{"JOB_COMPLETION_INDEX", "2"}}), std::nullopt);
    REQUIRE_FALSE(job.ok());
    CHECK(contains(job.error().message, "add --shards N"));
    auto past = cli::shard_from_environment(env_of({{"JOB_COMPLETION_INDEX", "8"}}), 8);
    REQUIRE_FALSE(past.ok());
    CHECK(contains(past.error().message, "JOB_COMPLETION_INDEX=8 is not below --shards=8"));
    auto no_size = cli::shard_from_environment(env_of({{"SLURM_PROCID", "0"}}), std::nullopt);
    REQUIRE_FALSE(no_size.ok());
    CHECK(contains(no_size.error().message, "SLURM_NTASKS is not a count of shards"));
    auto not_rank = cli::shard_from_environment(
        env_of({{"SLURM_PROCID", "x"}, {"SLURM_NTASKS", "4"}}), std::nullopt);
    REQUIRE_FALSE(not_rank.ok());
    CHECK(contains(not_rank.error().message, "SLURM_PROCID='x' is not a rank"));
    auto disagree =
        cli::shard_from_environment(env_of({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "4"}}), 3);
    REQUIRE_FALSE(disagree.ok());
    CHECK(contains(disagree.error().message, "--shards 3 disagrees with the slurm count 4"));
}

TEST_CASE("--start-at takes RFC 3339 with zones, Unix seconds and +DURATION from now") {
    const int64_t now = 1'765'000'000 * s_ns;
    const auto at = [&](const char* text) {
        auto parsed = cli::parse_start_at(text, now);
        REQUIRE_MESSAGE(parsed.ok(), (parsed.ok() ? "" : parsed.error().message));
        return parsed.value();
    };
    // 2026-12-06T12:00:00Z is 1796558400 (date -u -d ... +%s).
    CHECK(at("2026-12-06T12:00:00Z") == 1'796'558'400 * s_ns);
    CHECK(at("2026-12-06t12:00:00z") == 1'796'558'400 * s_ns);
    CHECK(at("2026-12-06T13:00:00+01:00") == 1'796'558'400 * s_ns);
    CHECK(at("2026-12-06T06:30:00-05:30") == 1'796'558'400 * s_ns);
    CHECK(at("2026-12-06T12:00:00.25Z") == 1'796'558'400 * s_ns + 250'000'000);
    CHECK(at("1970-01-01T00:00:01Z") == s_ns);
    CHECK(at("2000-02-29T00:00:00Z") == 951'782'400 * s_ns);
    CHECK(at("1765000000") == 1'765'000'000 * s_ns);
    CHECK(at("1765000000.5") == 1'765'000'000 * s_ns + 500'000'000);
    CHECK(at("+5s") == now + 5 * s_ns);
    CHECK(at("+1m") == now + 60 * s_ns);
    CHECK(at("+250ms") == now + 250'000'000);
    for (const char* bad : {"", "soon", "2026-12-06", "2026-12-06T12:00:00", "2026-13-06T12:00:00Z",
                            "2026-12-06T12:00:00+1", "1765000000.", "-5", "12:00"}) {
        CAPTURE(bad);
        auto parsed = cli::parse_start_at(bad, now);
        REQUIRE_FALSE(parsed.ok());
        CHECK(contains(parsed.error().message, "RFC 3339"));
    }
    auto bad_delay = cli::parse_start_at("+5x", now);
    REQUIRE_FALSE(bad_delay.ok());
    CHECK(contains(bad_delay.error().message, "--start-at"));
}

TEST_CASE("--shards goes with --shard auto, and agrees with --shard I/N") {
    const auto env = env_of({});
    auto alone = cli::resolve_shard({.shards = 4}, env, 0);
    REQUIRE_FALSE(alone.ok());
    CHECK(contains(alone.error().message, "--shards N goes with --shard auto"));
    auto disagree = cli::resolve_shard({.shard = "1/4", .shards = 3}, env, 0);
    REQUIRE_FALSE(disagree.ok());
    CHECK(contains(disagree.error().message, "--shards 3 disagrees with --shard 1/4"));
    auto none = cli::resolve_shard({}, env, 0);
    REQUIRE(none.ok());
    CHECK(none.value().count == 1);
    CHECK(none.value().source.empty());
    CHECK(none.value().start_at_unix_ns == 0);
    auto start_only = cli::resolve_shard({.start_at = "+2s"}, env, 10 * s_ns);
    REQUIRE(start_only.ok());
    CHECK(start_only.value().start_at_unix_ns == 12 * s_ns);
}

TEST_CASE("{shard} and {shards} expand in every output name; unsharded they are 1") {
    const plan::ShardPlan third{.index = 3, .count = 4, .source = "flag"};
    CHECK(plan::expand_shard_name("out-{shard}.json", third) == "out-3.json");
    CHECK(plan::expand_shard_name("{shard}-of-{shards}/{shard}.csv", third) == "3-of-4/3.csv");
    CHECK(plan::expand_shard_name("plain.json", third) == "plain.json");
    CHECK(plan::expand_shard_name("out-{shard}.json", plan::ShardPlan{}) == "out-1.json");
    plan::OutputPlan outputs{.json_path = "a{shard}",
                             .csv_path = "b{shard}",
                             .csv_requests_path = "c{shard}",
                             .hlog_path = "d{shard}",
                             .html_path = "e{shard}",
                             .history_path = "f{shard}"};
    plan::expand_shard_names(outputs, third);
    CHECK(outputs.json_path == "a3");
    CHECK(outputs.csv_path == "b3");
    CHECK(outputs.csv_requests_path == "c3");
    CHECK(outputs.hlog_path == "d3");
    CHECK(outputs.html_path == "e3");
    CHECK(outputs.history_path == "f3");
}

TEST_CASE("barrage run --shard fills the plan, expands output names and refuses bad forms") {
    const plan::RunPlan plan =
        parse_run({"run", "http://127.0.0.1:8080/", "-r", "100", "-d", "2s", "-t", "1", "--shard",
                   "2/4", "--json", "out-{shard}-of-{shards}.json", "--hlog", "h{shard}.hlog"});
    CHECK(plan.shard.index == 2);
    CHECK(plan.shard.count == 4);
    CHECK(plan.shard.source == "flag");
    CHECK(plan.outputs.json_path == "out-2-of-4.json");
    CHECK(plan.outputs.hlog_path == "h2.hlog");
    const plan::RunPlan unsharded =
        parse_run({"run", "http://127.0.0.1:8080/", "-d", "1s", "--json", "out-{shard}.json"});
    CHECK(unsharded.outputs.json_path == "out-1.json");
    CHECK(unsharded.shard.count == 1);
    CHECK(contains(run_error({"run", "http://h/", "--shard", "0/4"}), "1-based"));
    CHECK(contains(run_error({"run", "http://h/", "--shard", "x/y"}), "is not I/N"));
    CHECK(contains(run_error({"run", "http://h/", "--start-at", "noon"}), "RFC 3339"));
}

TEST_CASE("a shard left without a connection, or with fewer than its threads, is refused") {
    CHECK(contains(run_error({"run", "http://h/", "-c", "3", "--shard", "4/4"}),
                   "the 3 connections over 4 shards leave this shard none; give at least 4"));
    // Shard 1 of 4 runs with 3 of 10 connections: -t 3 fits, -t 4 does not.
    CHECK(parse_run({"run", "http://h/", "-c", "10", "-t", "3", "--shard", "1/4"}).threads == 3);
    CHECK(contains(run_error({"run", "http://h/", "-c", "10", "-t", "4", "--shard", "1/4"}),
                   "this shard gets 3 of the 10 connections, fewer than -t/--threads 4"));
    // --requests 3 over 4 shards leaves shard 4 nothing to send; 4 gives each one.
    CHECK(contains(run_error({"run", "http://h/", "-c", "4", "--requests", "3", "--shard", "4/4"}),
                   "phase 'main' sends 3 requests (--requests / iterations) over 4 shards"));
    CHECK(parse_run({"run", "http://h/", "-c", "4", "--requests", "4", "--shard", "4/4"})
              .shard.index == 4);
    // -r 1 -d 2s has 2 arrivals: shards 1 and 2 take one each, 3 and 4 none.
    CHECK(parse_run({"run", "http://h/", "-c", "4", "-r", "1", "-d", "2s", "--shard", "2/4"})
              .shard.index == 2);
    CHECK(contains(
        run_error({"run", "http://h/", "-c", "4", "-r", "1", "-d", "2s", "--shard", "3/4"}),
        "the schedule has 2 measured arrivals for 4 shards"));
    // The warm-up's arrivals are not measured: 3 in all, 1 measured, for 2 shards.
    CHECK(contains(run_error({"run", "http://h/", "-c", "2", "-r", "1", "-d", "1s", "--warmup",
                              "2s", "--shard", "2/2"}),
                   "the schedule has 1 measured arrival for 2 shards"));
    // Without -t, the threads fit the shard's connections.
    CHECK(parse_run({"run", "http://h/", "-c", "4", "--shard", "4/4"}).threads == 1);
}

TEST_CASE("find-max and suite refuse --shard and --start-at") {
    const std::string error =
        run_error({"find-max", "http://h/", "--slo", "p99 < 1s", "--shard", "1/2"});
    CHECK(contains(error, "--shard and --start-at are for barrage run"));
    CHECK(contains(run_error({"find-max", "http://h/", "--slo", "p99 < 1s", "--start-at", "+1s"}),
                   "--shard and --start-at are for barrage run"));
    CHECK(contains(run_error({"suite", "ci.toml", "--shard", "1/2"}),
                   "barrage suite: --shard is for barrage run"));
    CHECK(contains(run_error({"suite", "ci.toml", "--start-at=+5s"}),
                   "barrage suite: --start-at is for barrage run"));
}

TEST_CASE("every shard of one command has one test id; another test has another") {
    const std::vector<const char*> base = {
        "run", "http://127.0.0.1:8080/", "-r", "1000", "-d", "2s", "-c", "8"};
    const auto id_of = [&](std::vector<const char*> extra) {
        std::vector<const char*> args = base;
        args.insert(args.end(), extra.begin(), extra.end());
        return plan::test_id_of(parse_run(args));
    };
    const std::string first = id_of({"--shard", "1/4", "--json", "a-{shard}.json"});
    CHECK(first.size() == 16);
    CHECK(first.find_first_not_of("0123456789abcdef") == std::string::npos);
    // The shard, output paths, start time, quiet, label and threads are left out.
    CHECK(id_of({"--shard", "4/4", "--json", "b.json", "--start-at", "+3s", "-q", "--label", "x",
                 "-t", "2"}) == first);
    CHECK(id_of({}) == first);
    // What the test is made of is in.
    CHECK(id_of({"-r", "999"}) != first);
    CHECK(id_of({"-d", "3s"}) != first);
    CHECK(id_of({"-c", "9"}) != first);
    CHECK(id_of({"-H", "X-A: b"}) != first);
    CHECK(id_of({"--threshold", "p99 < 1s"}) != first);
    CHECK(plan::test_id_of(parse_run(
              {"run", "http://127.0.0.1:8081/", "-r", "1000", "-d", "2s", "-c", "8"})) != first);
}

TEST_CASE("a partitioned data file's rows split into one block per shard") {
    const int64_t rows = 10;
    int64_t next = 0;
    for (int64_t shard = 0; shard < 4; ++shard) {
        CHECK(plan::share_begin(rows, shard, 4) == next);
        next += plan::share_of(rows, shard, 4);
    }
    CHECK(next == rows);
    // Blocks 0-2, 3-5, 6-7, 8-9; a cursor over one block never leaves it.
    const barrage::http::DataFile file{.columns = {"n"},
                                       .cells = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}};
    barrage::http::Rng rng(5);
    barrage::http::DataCursor round_robin(file, barrage::http::RowOrder::round_robin, {0}, 1, 2,
                                          {.begin = 3, .count = 3});
    std::vector<std::size_t> picked;
    for (int i = 0; i < 5; ++i) {
        picked.push_back(round_robin.next_row(rng));
    }
    CHECK(picked == std::vector<std::size_t>{4, 3, 5, 4, 3});
    barrage::http::DataCursor random(file, barrage::http::RowOrder::random, {0}, 0, 1,
                                     {.begin = 6, .count = 2});
    for (int i = 0; i < 100; ++i) {
        const std::size_t row = random.next_row(rng);
        CHECK((row == 6 || row == 7));
    }
}

TEST_CASE("a profile's [[data]] takes shard = shared or partition; too few rows are refused") {
    const std::string dir = "/tmp/barrage-shard-test-" + std::to_string(::getpid());
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/users.csv") << "user\na\nb\nc\n";
    const auto profile = [&](const std::string& shard) {
        const std::string path = dir + "/p.toml";
        std::ofstream(path) << "[target]\nurl = \"http://127.0.0.1:8080\"\n[[data]]\npath = "
                               "\"users.csv\"\nshard = \""
                            << shard
                            << "\"\n[[requests]]\nname = \"a\"\npath = \"/{{user}}\"\n"
                               "[[phases]]\nname = \"main\"\nshape = \"constant\"\nrate = 10\n"
                               "duration = \"1s\"\n";
        return path;
    };
    const std::string partitioned = profile("partition");
    const plan::RunPlan plan = parse_run({"run", partitioned.c_str(), "-c", "4", "--shard", "1/3"});
    REQUIRE(plan.data_files.size() == 1);
    CHECK(plan.data_files[0].partition);
    CHECK(contains(run_error({"run", partitioned.c_str(), "-c", "4", "--shard", "1/4"}),
                   "has 3 rows for 4 shards"));
    const std::string shared = profile("shared");
    CHECK_FALSE(
        parse_run({"run", shared.c_str(), "-c", "4", "--shard", "1/4"}).data_files[0].partition);
    const std::string unknown = profile("unique");
    CHECK(contains(run_error({"run", unknown.c_str()}), "shard 'unique' is unknown"));
    std::filesystem::remove_all(dir);
}
