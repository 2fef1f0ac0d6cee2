// The merged run's shards (`barrage merge`): the JSON `shards` section and the
// summary's Shards lines. A run of its own has neither.

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

#include "json_field_impl.h"
#include "report_impl.h"

namespace barrage::report::detail {
namespace {

int64_t earliest_start_ns(const stats::RunResult& result) {
    int64_t earliest = INT64_MAX;
    for (const stats::MergedShard& shard : result.merged_from) {
        earliest = std::min(earliest, shard.info.started_unix_ns);
    }
    return earliest;
}

void write_shard(JsonWriter& json, const stats::MergedShard& shard, int64_t earliest_ns) {
    json.begin_object();
    field(json, "index", shard.info.index);
    field(json, "path", shard.path);
    field(json, "source", shard.info.source);
    field(json, "start_at_unix_ns", shard.info.start_at_unix_ns);
    field(json, "started_unix_ns", shard.info.started_unix_ns);
    // after the earliest shard's start
    field(json, "start_offset_ms",
          static_cast<double>(shard.info.started_unix_ns - earliest_ns) / 1e6);
    field(json, "saturated", shard.saturated);
    array_field(json, "evidence", shard.saturation_evidence);
    if (!shard.watch_json.empty()) {
        json.key("watch");
        json.document(shard.watch_json);
    }
    json.end_object();
}

}  // namespace

double start_skew_ms(const stats::RunResult& result) {
    int64_t latest = INT64_MIN;
    for (const stats::MergedShard& shard : result.merged_from) {
        latest = std::max(latest, shard.info.started_unix_ns);
    }
    return result.merged_from.empty()
               ? 0
               : static_cast<double>(latest - earliest_start_ns(result)) / 1e6;
}

void write_shards(JsonWriter& json, const stats::RunResult& result) {
    if (result.merged_from.empty()) {
        return;
    }
    const stats::ShardInfo& first = result.merged_from.front().info;
    json.key("shards");
    json.begin_object();
    field(json, "count", first.count);
    field(json, "test_id", first.test_id);
    field(json, "merged", static_cast<int64_t>(result.merged_from.size()));
    array_field(json, "missing", result.shards_missing);
    field(json, "start_skew_ms", start_skew_ms(result));
    json.key("by_shard");
    json.begin_array();
    for (const stats::MergedShard& shard : result.merged_from) {
        write_shard(json, shard, earliest_start_ns(result));
    }
    json.end_array();
    json.end_object();
}

std::vector<std::string> shard_lines(const stats::RunResult& result) {
    if (result.merged_from.empty()) {
        return {};
    }
    const int count = result.merged_from.front().info.count;
    std::vector<std::string> lines{fmt::format("{} of {} merged, start skew {:.3f} ms",
                                               result.merged_from.size(), count,
                                               start_skew_ms(result))};
    if (!result.shards_missing.empty()) {
        std::string missing;
        for (const int index : result.shards_missing) {
            missing += fmt::format("{}{}", missing.empty() ? "" : ", ", index);
        }
        lines.push_back("MISSING: " + missing);
    }
    for (const stats::MergedShard& shard : result.merged_from) {
        if (shard.saturated) {
            lines.push_back(fmt::format("shard {} SATURATED ({})", shard.info.index, shard.path));
        }
    }
    return lines;
}

}  // namespace barrage::report::detail
