// The merged run's shards (`barrage merge`): the JSON `shards` section and the
// summary's Shards lines. A run of its own has neither.

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

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
    json.key("index");
    json.value(shard.info.index);
    json.key("path");
    json.value(shard.path);
    json.key("source");
    json.value(shard.info.source);
    json.key("start_at_unix_ns");
    json.value(shard.info.start_at_unix_ns);
    json.key("started_unix_ns");
    json.value(shard.info.started_unix_ns);
    json.key("start_offset_ms");  // after the earliest shard's start
    json.value(static_cast<double>(shard.info.started_unix_ns - earliest_ns) / 1e6);
    json.key("saturated");
    json.value(shard.saturated);
    json.key("evidence");
    json.begin_array();
    for (const std::string& evidence : shard.saturation_evidence) {
        json.value(evidence);
    }
    json.end_array();
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
    json.key("count");
    json.value(first.count);
    json.key("test_id");
    json.value(first.test_id);
    json.key("merged");
    json.value(static_cast<int64_t>(result.merged_from.size()));
    json.key("missing");
    json.begin_array();
    for (const int index : result.shards_missing) {
        json.value(index);
    }
    json.end_array();
    json.key("start_skew_ms");
    json.value(start_skew_ms(result));
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
