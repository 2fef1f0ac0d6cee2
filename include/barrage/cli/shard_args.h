#pragma once
// --shard, --shards and --start-at of `barrage run`: text and the engine's
// environment -> plan::ShardPlan. The environment and the clock come in as
// arguments, so every form is testable without setting either.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "barrage/base/result.h"
#include "barrage/plan/plan.h"

namespace barrage::cli {

// Reads one environment variable: nullptr when it is not set (like getenv).
using EnvLookup = std::function<const char*(const char*)>;

// "I/N", 1-based: "2/4". Errors (0/4, 5/4, 1/0, x/y) say the form and the range.
base::Result<plan::ShardPlan> parse_shard(std::string_view text);

// --shard auto: the first engine whose variables are set, in this order:
//   SLURM_PROCID / SLURM_NTASKS           source "slurm"
//   JOB_COMPLETION_INDEX with --shards N  source "kubernetes" (an Indexed Job)
//   OMPI_COMM_WORLD_RANK / _SIZE           source "mpi"
// Ranks are 0-based, the index 1-based. `shards` (--shards N), when given,
// must agree with the engine's count. Errors: none set (naming all of them),
// JOB_COMPLETION_INDEX without --shards, a value that is not a number or out of range.
base::Result<plan::ShardPlan> shard_from_environment(const EnvLookup& env,
                                                     std::optional<int64_t> shards);

// --start-at: RFC 3339 ("2026-12-06T12:00:00Z", "2026-12-06T13:00:00.5+01:00"),
// Unix seconds ("1765000000", "1765000000.25"), or "+DURATION" from `now_unix_ns`
// ("+5s", "+1m"). Returns the instant in ns since the Unix epoch.
base::Result<int64_t> parse_start_at(std::string_view text, int64_t now_unix_ns);

// The flags as given (empty / nullopt = not given).
struct ShardArgs {
    std::string shard;              // --shard: "I/N" or "auto"
    std::optional<int64_t> shards;  // --shards N
    std::string start_at;           // --start-at
};

// The plan's ShardPlan from the flags: not sharded (index 1 of 1, source "")
// without --shard, start_at_unix_ns 0 without --start-at. Errors: --shards
// without --shard auto, or one that contradicts --shard I/N, and those above.
base::Result<plan::ShardPlan> resolve_shard(const ShardArgs& args, const EnvLookup& env,
                                            int64_t now_unix_ns);

}  // namespace barrage::cli
