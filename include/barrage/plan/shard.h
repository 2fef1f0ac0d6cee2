#pragma once
// The arithmetic of a sharded test (`barrage run --shard I/N`): which part of
// every count a shard takes, the names of its output files, and the id that
// tells results of one test from another's. Pure: no clock, no environment
// (cli/shard_args.h reads those).

#include <cstdint>
#include <string>
#include <string_view>

#include "barrage/plan/plan.h"

namespace barrage::plan {

inline constexpr int shards_max = 100'000;

// Part `index` (0-based) of `count` things split over `parts`: the first
// count % parts parts take one more, so the parts add up to count
// (10 over 4 = 3+3+2+2). The one rule for connections, users, --requests and
// data rows, over shards and then over a shard's workers.
int64_t share_of(int64_t count, int64_t index, int64_t parts);
// The first of the `count` things that part `index` of `parts` takes when
// they are handed out in blocks (rows of a partitioned data file).
int64_t share_begin(int64_t count, int64_t index, int64_t parts);

// This shard's part of `count` (connections, users, --requests).
inline int64_t shard_share(int64_t count, const ShardPlan& shard) {
    return share_of(count, shard.index - 1, shard.count);
}

// This shard's part of `connections` (of the run or of a scenario).
inline int shard_connections(int connections, const ShardPlan& shard) {
    return static_cast<int>(shard_share(connections, shard));
}

// `path` with "{shard}" replaced by the 1-based index and "{shards}" by the
// count (1 and 1 for a run without --shard, so one script serves both).
std::string expand_shard_name(std::string_view path, const ShardPlan& shard);
// Every output path of `outputs` expanded (expand_shard_name).
void expand_shard_names(OutputPlan& outputs, const ShardPlan& shard);

// What defines the test, hashed (FNV-1a 64, 16 hex digits): target, TLS,
// requests, session, data files, phases, scenarios, connections, limits,
// seed, thresholds. Left out: the shard index and count, --start-at, output
// paths, quiet, label, threads and CPUs (a machine's own), the watch and the
// command line as typed. Every shard of one command gets the same id.
std::string test_id_of(const RunPlan& plan);

// A sharded plan's own checks (part of validate_run_plan): the index is in
// 1..count; every shard gets at least one connection (of each scenario too),
// at least `threads` of them, at least one request of every phase that ends
// on a count (--requests, iterations), and a partitioned data file has a row
// for every shard. The shard that would be left without is refused before any
// traffic rather than run for nothing.
base::Status validate_shard(const RunPlan& plan);

}  // namespace barrage::plan
