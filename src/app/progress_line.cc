#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "app_impl.h"
#include "barrage/report/run_report.h"

namespace barrage::app::detail {

// Progress goes to stderr: a rewritten line on a terminal, plain lines otherwise.
engine::IntervalCallback progress_printer(const plan::RunPlan& plan) {
    if (plan.outputs.quiet) {
        return {};
    }
    const bool tty = isatty(STDERR_FILENO) != 0;
    return [tty](const stats::IntervalRow& row, double elapsed_s, double total_s, bool warmup) {
        const std::string line = report::format_progress_line(row, elapsed_s, total_s, warmup);
        if (tty) {
            fmt::print(stderr, "\r\033[K{}", line);
        } else {
            fmt::print(stderr, "{}\n", line);
        }
        std::fflush(stderr);
    };
}

}  // namespace barrage::app::detail
