#include "barrage/report/interval_streams.h"

#include <utility>

#include "barrage/report/run_report.h"
#include "barrage/stats/hlog.h"

namespace barrage::report {

IntervalStreams::IntervalStreams(const plan::RunPlan& plan, std::vector<std::string> hlog_tags,
                                 RecentSamples recent_samples)
    : csv_path_(plan.outputs.csv_path),
      hlog_path_(plan.outputs.hlog_path),
      hlog_tags_(std::move(hlog_tags)),
      recent_samples_(std::move(recent_samples)) {}

void IntervalStreams::start(int64_t measured_start_unix_ms) {
    const auto open = [&](const std::string& path, std::optional<StreamedFile>& file,
                          const std::string& header) {
        if (path.empty()) {
            return;
        }
        auto opened = StreamedFile::open(path);
        if (!opened.ok()) {
            open_errors_.push_back(opened.error());
            return;
        }
        file = std::move(opened).value();
        file->append(header);
    };
    open(csv_path_, csv_, format_csv_header(recent_samples_ != nullptr));
    open(hlog_path_, hlog_, stats::hlog_header(measured_start_unix_ms));
}

void IntervalStreams::add_row(const stats::IntervalRow& row) {
    if (!csv_) {
        return;
    }
    if (!recent_samples_) {
        write_row(row, nullptr);
        return;
    }
    // The sample for the waiting row was asked for at its end, an interval ago.
    if (waiting_row_) {
        watch::WatchResult recent;
        recent.targets.push_back(watch::TargetWatch{"", "", recent_samples_(), {}, {}});
        write_row(*waiting_row_, &recent);
    }
    waiting_row_ = row;
}

void IntervalStreams::write_row(const stats::IntervalRow& row, const watch::WatchResult* watch) {
    csv_->append(format_csv_row(row, watch));
}

void IntervalStreams::add_histograms(const stats::IntervalRow& row,
                                     const stats::Histogram& latency_us,
                                     std::span<const stats::Histogram> latency_us_by_name) {
    if (!hlog_) {
        return;
    }
    const double start_s = row.t_s - row.length_s;
    std::string lines = stats::hlog_line(start_s, row.length_s, latency_us);
    for (std::size_t i = 0; i < latency_us_by_name.size() && i < hlog_tags_.size(); ++i) {
        lines += stats::hlog_line(start_s, row.length_s, latency_us_by_name[i], hlog_tags_[i]);
    }
    hlog_->append(lines);  // one write per interval, all its tags together
}

std::vector<base::Error> IntervalStreams::finish(const watch::WatchResult* watch) {
    if (csv_ && waiting_row_) {
        write_row(*waiting_row_, watch);
        waiting_row_.reset();
    }
    std::vector<base::Error> errors = std::move(open_errors_);
    for (std::optional<StreamedFile>* file : {&csv_, &hlog_}) {
        if (*file) {
            if (auto status = (*file)->close(); !status.ok()) {
                errors.push_back(status.error());
            }
            file->reset();
        }
    }
    return errors;
}

}  // namespace barrage::report
