#pragma once
// Private to engine: the worker's deadlines (connect, handshake, request,
// finishing send, backoff) as a coarse timer wheel, so a deadline scan looks
// only at the connections that have one due, not at every connection: with
// 100k mostly idle connections a full scan every period costs a core.
// Pure arithmetic on the `now` it is given (tests drive it with a fake clock).
//
// The wheel holds slot numbers in buckets one period wide; bucket k comes due
// at k * period. It does not know what a slot's deadline is now: the caller
// keeps, per slot, the due time of the slot's live entry (what add returned)
// and, when an entry comes due, drops it if that no longer matches (a newer
// entry replaced it: lazy invalidation, no removal), else looks at the slot's
// current deadline and fires it or adds the slot again. So a deadline that
// moves later (the next request on a keep-alive connection) costs nothing
// until its entry comes due; only one that moves earlier needs a new entry.
// Buckets are vectors that grow to their high-water mark (the entries due in
// one period) and keep it: after the wheel's first turn a steady run stops
// allocating. Preallocating each bucket for every connection would cost
// buckets x connections.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "barrage/base/assert.h"

namespace barrage::engine::detail {

// The due time of a slot that has no live entry.
inline constexpr int64_t no_entry_due_ns = INT64_MAX;

class DeadlineWheel {
public:
    DeadlineWheel() = default;
    // period_ns: the width of a bucket, so how late an entry may fire at most;
    // bucket_count: a power of two, the horizon in periods (a later deadline is
    // added at the horizon and comes back, as any moved deadline does);
    // now_ns: nothing is due before the first period boundary after it.
    DeadlineWheel(int64_t period_ns, std::size_t bucket_count, int64_t now_ns)
        : period_ns_(period_ns), buckets_(bucket_count), next_index_(now_ns / period_ns + 1) {
        BARRAGE_ASSERT(period_ns > 0 && now_ns >= 0);
        BARRAGE_ASSERT(bucket_count >= 2 && (bucket_count & (bucket_count - 1)) == 0);
    }

    int64_t period_ns() const { return period_ns_; }
    // When the next bucket comes due: the caller calls expire then.
    int64_t next_due_ns() const { return next_index_ * period_ns_; }

    // True when an entry due at due_ns (no_entry_due_ns: none) fires in time
    // for deadline_ns, late by less than a period: no new entry is needed. A
    // deadline past due_ns is covered too: the caller adds it again then.
    bool covers(int64_t due_ns, int64_t deadline_ns) const {
        return deadline_ns > due_ns - period_ns_;
    }

    // Adds an entry for `slot` that comes due at the first period boundary at
    // or after deadline_ns, never before the next bucket and never past the
    // horizon. Returns its due time; the caller keeps it to recognize the entry.
    int64_t add(uint32_t slot, int64_t deadline_ns) {
        BARRAGE_ASSERT(!buckets_.empty());  // made with a period, not default-made
        int64_t index = next_index_;
        if (deadline_ns > next_index_ * period_ns_) {
            index = std::min(deadline_ns / period_ns_ + (deadline_ns % period_ns_ != 0 ? 1 : 0),
                             next_index_ + horizon());
        }
        buckets_[position(index)].push_back(slot);
        ++entries_;
        return index * period_ns_;
    }

    // Hands each entry of every bucket due at or before now_ns to
    // fire(slot, due_ns), oldest bucket first. fire may add entries (they land
    // in later buckets). Returns the entries handed out.
    template <typename Fire>
    int64_t expire(int64_t now_ns, Fire&& fire) {
        int64_t handed = 0;
        while (next_index_ * period_ns_ <= now_ns) {
            const int64_t index = next_index_++;
            // Swapped out first: a fire that adds at the horizon lands in this position.
            firing_.swap(buckets_[position(index)]);
            entries_ -= static_cast<int64_t>(firing_.size());
            for (const uint32_t slot : firing_) {
                fire(slot, index * period_ns_);
            }
            handed += static_cast<int64_t>(firing_.size());
            firing_.clear();  // keeps its capacity: a steady run stops allocating
        }
        BARRAGE_ASSERT(entries_ >= 0);
        return handed;
    }

    // Entries held, live and stale.
    int64_t entries() const { return entries_; }

private:
    int64_t horizon() const { return static_cast<int64_t>(buckets_.size()) - 1; }
    std::size_t position(int64_t index) const {
        return static_cast<std::size_t>(index) & (buckets_.size() - 1);
    }

    int64_t period_ns_ = 1;
    std::vector<std::vector<uint32_t>> buckets_;
    std::vector<uint32_t> firing_;
    int64_t next_index_ = 0;  // the bucket that comes due next
    int64_t entries_ = 0;
};

}  // namespace barrage::engine::detail
