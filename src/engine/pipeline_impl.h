#pragma once
// Private to engine: pipelining (--pipeline N). A pipelined connection's head
// request is Connection::request (the one its parser reads); the requests sent
// after it wait here in send order, with the bytes the connection has yet to
// send. One per worker, sized at its start for slots x (N - 1) records, so a
// connection holds no heap of its own for them and N = 1 allocates nothing.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "barrage/base/assert.h"
#include "connection_impl.h"

namespace barrage::engine::detail {

// What one connection sends next and where its queue stands.
struct PipelineLane {
    // The batch on its way; Connection::request.bytes views it while it goes.
    std::string sending;
    // Requests started while that batch was on its way: the next send, one write.
    std::string staged;
    uint32_t first = 0;   // position of the oldest record behind the head
    uint32_t count = 0;   // records behind the head
    bool listed = false;  // open loop: in Worker::idle_slots_ (room for an arrival)
    // The server closed after the head (Connection: close) before answering
    // the records behind it: they go again on the next connection.
    bool resend = false;
};

// The requests in flight behind each connection's head, first in first out.
class RequestQueue {
public:
    RequestQueue() = default;
    // depth: requests in flight per connection at most (--pipeline), 2..256.
    RequestQueue(std::size_t slots, int depth)
        : behind_max_(static_cast<std::size_t>(depth) - 1),
          records_(slots * behind_max_),
          lanes_(slots) {
        BARRAGE_ASSERT(depth >= 2);
    }

    // Records behind the head of `slot`'s connection.
    std::size_t size(uint32_t slot) const { return lanes_[slot].count; }
    bool empty(uint32_t slot) const { return lanes_[slot].count == 0; }
    // No room behind the head: the connection has `depth` requests in flight.
    bool full(uint32_t slot) const { return lanes_[slot].count == behind_max_; }

    void push(uint32_t slot, const RequestInFlight& record) {
        PipelineLane& lane = lanes_[slot];
        BARRAGE_ASSERT(lane.count < behind_max_);
        records_[index(slot, (lane.first + lane.count) % behind_max_)] = record;
        ++lane.count;
    }
    // Takes the oldest record; the queue must not be empty.
    RequestInFlight pop(uint32_t slot) {
        PipelineLane& lane = lanes_[slot];
        BARRAGE_ASSERT(lane.count > 0);
        const RequestInFlight record = records_[index(slot, lane.first)];
        lane.first = static_cast<uint32_t>((lane.first + 1) % behind_max_);
        --lane.count;
        return record;
    }
    // The i-th record behind the head (0: the oldest).
    RequestInFlight& at(uint32_t slot, std::size_t i) {
        const PipelineLane& lane = lanes_[slot];
        BARRAGE_ASSERT(i < lane.count);
        return records_[index(slot, (lane.first + i) % behind_max_)];
    }
    void clear(uint32_t slot) {
        lanes_[slot].first = 0;
        lanes_[slot].count = 0;
    }
    PipelineLane& lane(uint32_t slot) { return lanes_[slot]; }
    const PipelineLane& lane(uint32_t slot) const { return lanes_[slot]; }

private:
    std::size_t index(uint32_t slot, std::size_t position) const {
        return slot * behind_max_ + position;
    }

    std::size_t behind_max_ = 0;
    std::vector<RequestInFlight> records_;
    std::vector<PipelineLane> lanes_;
};

}  // namespace barrage::engine::detail
