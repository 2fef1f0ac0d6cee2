#include "app_impl.h"

namespace barrage::app::detail {

// The watcher opens its PIDs, cgroup and URL here, before any traffic: a typo is exit 2.
base::Result<std::unique_ptr<watch::Watcher>> open_watcher(const plan::RunPlan& plan) {
    if (!plan.watch.any()) {
        return std::unique_ptr<watch::Watcher>();
    }
    watch::WatchOptions options;
    options.pids = plan.watch.pids;
    options.cgroup_path = plan.watch.cgroup_path;
    options.url = plan.watch.url;
    options.series = plan.watch.series;
    options.interval_ns = plan.interval_ns;
    options.limits = {plan.watch.leak_rss_mb_per_min, plan.watch.leak_fds_per_min,
                      plan.watch.leak_threads_per_min};
    return watch::Watcher::open(options);
}

}  // namespace barrage::app::detail
