#pragma once
// Bounded single-producer single-consumer ring: the only way workers and the
// coordinator talk. Indices live on their own cache lines so the producer and
// the consumer never write the same line.

#include <array>
#include <atomic>
#include <cstddef>
#include <optional>

namespace barrage::base {

inline constexpr std::size_t cache_line_bytes = 64;

template <typename T, std::size_t Capacity>
class SpscRing {
    static_assert(Capacity >= 2 && (Capacity & (Capacity - 1)) == 0,
                  "SpscRing capacity must be a power of two");

public:
    // Producer side. Returns false when the ring is full (the caller decides).
    bool try_push(const T& item) {
        const std::size_t head = head_.load(std::memory_order_relaxed);
        if (head - tail_.load(std::memory_order_acquire) == Capacity) {
            return false;
        }
        slots_[head & (Capacity - 1)] = item;
        head_.store(head + 1, std::memory_order_release);
        return true;
    }

    // Consumer side. Empty optional when nothing is queued.
    std::optional<T> try_pop() {
        const std::size_t tail = tail_.load(std::memory_order_relaxed);
        if (tail == head_.load(std::memory_order_acquire)) {
            return std::nullopt;
        }
        T item = slots_[tail & (Capacity - 1)];
        tail_.store(tail + 1, std::memory_order_release);
        return item;
    }

    static constexpr std::size_t capacity() { return Capacity; }

private:
    alignas(cache_line_bytes) std::atomic<std::size_t> head_{0};
    alignas(cache_line_bytes) std::atomic<std::size_t> tail_{0};
    alignas(cache_line_bytes) std::array<T, Capacity> slots_{};
};

}  // namespace barrage::base
