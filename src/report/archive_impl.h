#pragma once
// The field tables the result archive's writer and reader share, so a field
// added to one is in the other (result_archive.h). Private to src/report.

#include <array>
#include <cstdint>
#include <string_view>

#include "barrage/plan/plan.h"
#include "barrage/stats/counters.h"
#include "barrage/stats/name_stats.h"
#include "barrage/stats/snapshot.h"
#include "barrage/stats/transaction_stats.h"

namespace barrage::report::detail {

template <typename Owner, typename Member>
struct ArchiveField {
    std::string_view key;
    Member Owner::*member;
};

using stats::Counters;
inline constexpr std::array<ArchiveField<Counters, int64_t>, 17> counter_fields{{
    {"sent", &Counters::requests_sent},
    {"completed", &Counters::requests_completed},
    {"errors", &Counters::requests_errors},
    {"late", &Counters::requests_late},
    {"behind", &Counters::requests_behind},
    {"stalls", &Counters::stalls},
    {"stall_ns", &Counters::stall_ns},
    {"timed_on_arrival", &Counters::responses_timed_on_arrival},
    {"unfinished", &Counters::requests_unfinished},
    {"unsent", &Counters::requests_unsent},
    {"connections_opened", &Counters::connections_opened},
    {"reconnects", &Counters::reconnects},
    {"resent", &Counters::requests_resent},
    {"bytes_sent", &Counters::bytes_sent},
    {"bytes_received", &Counters::bytes_received},
    {"tls_full", &Counters::tls_handshakes_full},
    {"tls_resumed", &Counters::tls_handshakes_resumed},
}};

using stats::Histogram;
using stats::Snapshot;
inline constexpr std::array<ArchiveField<Snapshot, Histogram>, 6> snapshot_histograms{{
    {"latency", &Snapshot::latency_us},
    {"service_time", &Snapshot::service_time_us},
    {"schedule_lag", &Snapshot::schedule_lag_us},
    {"connect_time", &Snapshot::connect_time_us},
    {"tls_handshake", &Snapshot::tls_handshake_us},
    {"failure_time", &Snapshot::failure_time_us},
}};

using stats::NameStats;
inline constexpr std::array<ArchiveField<NameStats, int64_t>, 6> name_fields{{
    {"sent", &NameStats::sent},
    {"completed", &NameStats::completed},
    {"errors", &NameStats::errors},
    {"checks_failed", &NameStats::checks_failed},
    {"responses_failed", &NameStats::responses_failed},
    {"captures_missed", &NameStats::captures_missed},
}};

using stats::TransactionStats;
inline constexpr std::array<ArchiveField<TransactionStats, int64_t>, 7> transaction_fields{{
    {"sent", &TransactionStats::sent},
    {"completed", &TransactionStats::completed},
    {"errors", &TransactionStats::errors},
    {"responses_failed", &TransactionStats::responses_failed},
    {"tries_exhausted", &TransactionStats::tries_exhausted},
    {"repeat_tries", &TransactionStats::repeat_tries},
    {"repeat_tries_max", &TransactionStats::repeat_tries_max},
}};

using plan::PhasePlan;
inline constexpr std::array<ArchiveField<PhasePlan, int64_t>, 9> phase_int64_fields{{
    {"duration_ns", &PhasePlan::duration_ns},
    {"step_duration_ns", &PhasePlan::step_duration_ns},
    {"spike_at_ns", &PhasePlan::spike_at_ns},
    {"spike_hold_ns", &PhasePlan::spike_hold_ns},
    {"spike_rise_ns", &PhasePlan::spike_rise_ns},
    {"spike_fall_ns", &PhasePlan::spike_fall_ns},
    {"think_min_ns", &PhasePlan::think_min_ns},
    {"think_max_ns", &PhasePlan::think_max_ns},
    {"iterations", &PhasePlan::iterations},
}};
inline constexpr std::array<ArchiveField<PhasePlan, double>, 4> phase_double_fields{{
    {"rate_per_s", &PhasePlan::rate_per_s},
    {"rate_end_per_s", &PhasePlan::rate_end_per_s},
    {"step_per_s", &PhasePlan::step_per_s},
    {"spawn_per_s", &PhasePlan::spawn_per_s},
}};
inline constexpr std::array<ArchiveField<PhasePlan, int>, 2> phase_int_fields{{
    {"steps", &PhasePlan::steps},
    {"users", &PhasePlan::users},
}};
inline constexpr std::array<std::string_view, 5> phase_kind_names = {"constant", "ramp", "step",
                                                                     "spike", "users"};

}  // namespace barrage::report::detail
