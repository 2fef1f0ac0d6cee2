#include <fmt/format.h>

#include <cstdio>

#include "app_impl.h"
#include "barrage/stats/hlog.h"

namespace barrage::app::detail {

// --hlog: the whole run untagged, and with several request names (profiles)
// one Tag=NAME line per name and interval as well: their tags, one per name.
std::vector<std::string> hlog_tags(const plan::RunPlan& plan) {
    if (plan.outputs.hlog_path.empty()) {
        return {};
    }
    const std::vector<std::string> names = plan::request_names(plan);
    std::vector<std::string> tags = stats::hlog_tags_for(names);
    for (std::size_t i = 0; i < tags.size(); ++i) {
        if (const std::string plain = stats::sanitize_hlog_tag(names[i]); tags[i] != plain) {
            fmt::print(stderr,
                       "barrage: --hlog: request '{}' is tagged '{}' (its plain tag '{}' "
                       "belongs to an earlier request)\n",
                       names[i], tags[i], plain);
        }
    }
    return tags;
}

}  // namespace barrage::app::detail
