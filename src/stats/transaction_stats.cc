#include "barrage/stats/transaction_stats.h"

#include <algorithm>

#include "barrage/stats/name_stats.h"

namespace barrage::stats {

TransactionStats::TransactionStats(std::size_t index)
    : latency_us(NameStats::latency_histogram_for(index)) {}

void TransactionStats::reset() {
    sent = 0;
    completed = 0;
    errors = 0;
    responses_failed = 0;
    tries_exhausted = 0;
    repeat_tries = 0;
    repeat_tries_max = 0;
    latency_us.reset();
}

void TransactionStats::add(const TransactionStats& other) {
    sent += other.sent;
    completed += other.completed;
    errors += other.errors;
    responses_failed += other.responses_failed;
    tries_exhausted += other.tries_exhausted;
    repeat_tries += other.repeat_tries;
    repeat_tries_max = std::max(repeat_tries_max, other.repeat_tries_max);
    latency_us.add(other.latency_us);
}

double failure_rate(const TransactionStats& transaction) {
    return failure_rate(transaction.errors, transaction.responses_failed, transaction.completed);
}

}  // namespace barrage::stats
