#pragma once
// What the report says about the watched target (--watch-pid, --watch-cgroup,
// --watch-url): sentences for `warnings`. The JSON `watch` section, the
// summary's Watch lines and the CSV's extra columns are written by
// format_json / format_summary / format_csv when given a WatchResult.

#include <string>
#include <vector>

#include "barrage/watch/watcher.h"

namespace barrage::report {

// One sentence per suspected leak, exited process and failing scrape, e.g.
// "pid 1234 (app): leak suspected: RSS grows 120 MB/min after warm-up (limit 10 MB/min)".
std::vector<std::string> watch_warnings(const watch::WatchResult& watch);

// The JSON `watch` section's object alone, as a document: what `barrage merge`
// keeps of each shard (shards.by_shard[].watch).
std::string format_watch_json(const watch::WatchResult& watch);

}  // namespace barrage::report
