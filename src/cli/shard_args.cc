#include "barrage/cli/shard_args.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <utility>

#include "barrage/base/clock.h"
#include "barrage/base/excerpt.h"
#include "barrage/plan/shard.h"
#include "barrage/plan/units.h"

namespace barrage::cli {

using base::make_error;
using base::Result;

namespace {

// A whole decimal number >= 0, all of `text` (no sign, no spaces); nullopt otherwise.
std::optional<int64_t> whole_number(std::string_view text) {
    int64_t value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || text[0] == '-' || ec != std::errc{} || ptr != end) {
        return std::nullopt;
    }
    return value;
}

constexpr std::string_view shard_forms =
    "use --shard I/N with 1 <= I <= N (e.g. --shard 2/4), or --shard auto";

// A rank (0-based) and a size read from two variables of one engine.
Result<plan::ShardPlan> shard_of_rank(std::string_view rank_name, const char* rank_text,
                                      std::string_view size_name, std::optional<int64_t> size,
                                      std::string_view source) {
    const std::optional<int64_t> rank = whole_number(rank_text);
    if (!rank || *rank < 0) {
        return make_error(fmt::format("--shard auto: {}='{}' is not a rank (0, 1, ...)", rank_name,
                                      base::excerpt(rank_text)));
    }
    if (!size || *size < 1 || *size > plan::shards_max) {
        return make_error(fmt::format("--shard auto: {} is not a count of shards (1 to {})",
                                      size_name, plan::shards_max));
    }
    if (*rank >= *size) {
        return make_error(
            fmt::format("--shard auto: {}={} is not below {}={}; the ranks are 0 to "
                        "{}",
                        rank_name, *rank, size_name, *size, *size - 1));
    }
    return plan::ShardPlan{.index = static_cast<int>(*rank + 1),
                           .count = static_cast<int>(*size),
                           .source = std::string(source)};
}

std::optional<int64_t> number_from(const EnvLookup& env, const char* name) {
    const char* text = env(name);
    return text == nullptr ? std::nullopt : whole_number(text);
}

// --shards N next to an engine's own count: they must agree.
Result<plan::ShardPlan> agree(Result<plan::ShardPlan> shard, std::optional<int64_t> shards) {
    if (shard && shards && *shards != shard.value().count) {
        return make_error(
            fmt::format("--shards {} disagrees with the {} count {}; drop --shards "
                        "or make them equal",
                        *shards, shard.value().source, shard.value().count));
    }
    return shard;
}

// Days from 1970-01-01 to the civil date (proleptic Gregorian; H. Hinnant's algorithm).
int64_t days_from_civil(int64_t year, int64_t month, int64_t day) {
    year -= month <= 2 ? 1 : 0;
    const int64_t era = (year >= 0 ? year : year - 399) / 400;
    const int64_t year_of_era = year - era * 400;
    const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const int64_t day_of_era =
        year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

// Digits at text[at, at + count) as a number, or -1.
int64_t digits_at(std::string_view text, std::size_t at, std::size_t count) {
    if (at + count > text.size()) {
        return -1;
    }
    const std::optional<int64_t> value = whole_number(text.substr(at, count));
    return value && text[at] != '-' && text[at] != '+' ? *value : -1;
}

// The fraction ".123" at text[at...]: ns, and where it ends.
std::pair<int64_t, std::size_t> fraction_at(std::string_view text, std::size_t at) {
    if (at >= text.size() || text[at] != '.') {
        return {0, at};
    }
    int64_t ns = 0;
    int64_t scale = base::ns_per_s;
    std::size_t end = at + 1;
    for (; end < text.size() && text[end] >= '0' && text[end] <= '9'; ++end) {
        scale /= 10;
        ns += (text[end] - '0') * scale;
    }
    return {end == at + 1 ? -1 : ns, end};
}

// The zone at text[at...]: "Z" or "+HH:MM" / "-HH:MM", in seconds east of UTC; nullopt if bad.
std::optional<int64_t> offset_at(std::string_view text, std::size_t at) {
    const std::string_view zone = text.substr(std::min(at, text.size()));
    if (zone == "Z" || zone == "z") {
        return 0;
    }
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':') {
        return std::nullopt;
    }
    const int64_t hours = digits_at(zone, 1, 2);
    const int64_t minutes = digits_at(zone, 4, 2);
    if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) {
        return std::nullopt;
    }
    return (zone[0] == '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
}

// "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM)" -> ns since the epoch, or nullopt.
std::optional<int64_t> rfc3339_ns(std::string_view text) {
    if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[13] != ':' ||
        text[16] != ':' || (text[10] != 'T' && text[10] != 't' && text[10] != ' ')) {
        return std::nullopt;
    }
    const int64_t year = digits_at(text, 0, 4);
    const int64_t month = digits_at(text, 5, 2);
    const int64_t day = digits_at(text, 8, 2);
    const int64_t hour = digits_at(text, 11, 2);
    const int64_t minute = digits_at(text, 14, 2);
    const int64_t second = digits_at(text, 17, 2);
    if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 ||
        minute < 0 || minute > 59 || second < 0 || second > 60) {
        return std::nullopt;
    }
    const auto [fraction_ns, zone_at] = fraction_at(text, 19);
    const std::optional<int64_t> offset_s = offset_at(text, zone_at);
    if (fraction_ns < 0 || !offset_s) {
        return std::nullopt;
    }
    const int64_t seconds =
        days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - *offset_s;
    return seconds * base::ns_per_s + fraction_ns;
}

// "1765000000" or "1765000000.25" -> ns since the epoch, or nullopt.
std::optional<int64_t> unix_seconds_ns(std::string_view text) {
    const std::size_t dot = text.find('.');
    const std::optional<int64_t> seconds = whole_number(text.substr(0, dot));
    if (!seconds || *seconds < 0 || text[0] == '+' || *seconds > INT64_MAX / base::ns_per_s - 1) {
        return std::nullopt;
    }
    const auto [fraction_ns, end] = fraction_at(text, std::min(dot, text.size()));
    if (fraction_ns < 0 || end != text.size()) {
        return std::nullopt;
    }
    return *seconds * base::ns_per_s + fraction_ns;
}

}  // namespace

Result<plan::ShardPlan> parse_shard(std::string_view text) {
    const std::size_t slash = text.find('/');
    const std::optional<int64_t> index =
        slash == std::string_view::npos ? std::nullopt : whole_number(text.substr(0, slash));
    const std::optional<int64_t> count =
        slash == std::string_view::npos ? std::nullopt : whole_number(text.substr(slash + 1));
    if (!index || !count) {
        return make_error(
            fmt::format("--shard: '{}' is not I/N; {}", base::excerpt(text), shard_forms));
    }
    if (*count < 1 || *count > plan::shards_max) {
        return make_error(fmt::format("--shard: '{}': N must be 1 to {}; {}", base::excerpt(text),
                                      plan::shards_max, shard_forms));
    }
    if (*index < 1 || *index > *count) {
        return make_error(fmt::format("--shard: '{}': the index must be 1 to {} (1-based); {}",
                                      base::excerpt(text), *count, shard_forms));
    }
    return plan::ShardPlan{
        .index = static_cast<int>(*index), .count = static_cast<int>(*count), .source = "flag"};
}

Result<plan::ShardPlan> shard_from_environment(const EnvLookup& env,
                                               std::optional<int64_t> shards) {
    if (const char* rank = env("SLURM_PROCID")) {
        return agree(shard_of_rank("SLURM_PROCID", rank, "SLURM_NTASKS",
                                   number_from(env, "SLURM_NTASKS"), "slurm"),
                     shards);
    }
    if (const char* index = env("JOB_COMPLETION_INDEX")) {
        if (!shards) {
            return make_error(
                "--shard auto: JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but the "
                "Job's size is not in the environment; add --shards N (N = the Job's completions)");
        }
        return shard_of_rank("JOB_COMPLETION_INDEX", index, "--shards", shards, "kubernetes");
    }
    if (const char* rank = env("OMPI_COMM_WORLD_RANK")) {
        return agree(shard_of_rank("OMPI_COMM_WORLD_RANK", rank, "OMPI_COMM_WORLD_SIZE",
                                   number_from(env, "OMPI_COMM_WORLD_SIZE"), "mpi"),
                     shards);
    }
    return make_error(
        "--shard auto: no engine's variables are set; looked for SLURM_PROCID and SLURM_NTASKS "
        "(srun), JOB_COMPLETION_INDEX with --shards N (a Kubernetes Indexed Job), and "
        "OMPI_COMM_WORLD_RANK and OMPI_COMM_WORLD_SIZE (mpirun); or give --shard I/N");
}

Result<int64_t> parse_start_at(std::string_view text, int64_t now_unix_ns) {
    if (!text.empty() && text[0] == '+') {
        auto delay = plan::parse_duration_ns("--start-at", text.substr(1), true);
        if (!delay) {
            return delay.error();
        }
        return now_unix_ns + delay.value();
    }
    std::optional<int64_t> instant = rfc3339_ns(text);
    if (!instant) {
        instant = unix_seconds_ns(text);
    }
    if (!instant) {
        return make_error(fmt::format(
            "--start-at: '{}' is not a time; use RFC 3339 (2026-12-06T12:00:00Z, "
            "2026-12-06T13:00:00+01:00), Unix seconds (1765000000, 1765000000.5) or +DURATION "
            "from now (+5s, +1m)",
            base::excerpt(text)));
    }
    return *instant;
}

Result<plan::ShardPlan> resolve_shard(const ShardArgs& args, const EnvLookup& env,
                                      int64_t now_unix_ns) {
    plan::ShardPlan shard;
    if (args.shard == "auto") {
        auto found = shard_from_environment(env, args.shards);
        if (!found) {
            return found.error();
        }
        shard = std::move(found).value();
    } else if (!args.shard.empty()) {
        auto parsed = parse_shard(args.shard);
        if (!parsed) {
            return parsed.error();
        }
        shard = std::move(parsed).value();
        if (args.shards && *args.shards != shard.count) {
            return make_error(fmt::format("--shards {} disagrees with --shard {}; give one of them",
                                          *args.shards, base::excerpt(args.shard)));
        }
    } else if (args.shards) {
        return make_error(
            "--shards N goes with --shard auto (a Kubernetes Indexed Job); add "
            "--shard auto, or use --shard I/N");
    }
    if (!args.start_at.empty()) {
        auto instant = parse_start_at(args.start_at, now_unix_ns);
        if (!instant) {
            return instant.error();
        }
        shard.start_at_unix_ns = instant.value();
    }
    return shard;
}

}  // namespace barrage::cli
