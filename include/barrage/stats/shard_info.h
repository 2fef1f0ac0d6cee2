#pragma once
// Which slice of a sharded test a result is (`barrage run --shard I/N`), and
// what `barrage merge` needs to check that results belong together and how
// far apart their starts were.

#include <cstdint>
#include <string>

namespace barrage::stats {

struct ShardInfo {
    int index = 1;  // 1-based, as written in --shard I/N and expanded for {shard}
    int count = 1;  // N; a result without ShardInfo is the whole test
    // Identifies the test, not the shard: a hash (hex) of the plan with the
    // shard, output paths and start time left out. Results merge only when equal.
    std::string test_id;
    std::string source;            // "flag", "slurm", "kubernetes", "mpi"
    int64_t start_at_unix_ns = 0;  // --start-at as asked; 0 = none asked
    int64_t started_unix_ns = 0;   // when this shard's schedule really started
};

}  // namespace barrage::stats
