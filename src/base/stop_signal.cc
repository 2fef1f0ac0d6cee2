#include "barrage/base/stop_signal.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <ctime>

#include "barrage/base/assert.h"
#include "barrage/base/clock.h"

namespace barrage::base {

int wait_stop_signal(int64_t timeout_ns) {
    BARRAGE_ASSERT(timeout_ns >= 0);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    const int64_t end_ns = now_ns() + timeout_ns;
    while (true) {
        // An interrupted wait resumes with what is left, not the whole timeout again.
        const int64_t left_ns = std::max<int64_t>(0, end_ns - now_ns());
        timespec timeout{};
        timeout.tv_sec = static_cast<time_t>(left_ns / ns_per_s);
        timeout.tv_nsec = static_cast<long>(left_ns % ns_per_s);
        const int signal_number = sigtimedwait(&set, nullptr, &timeout);
        if (signal_number > 0) {
            return signal_number;
        }
        if (left_ns == 0 || errno != EINTR) {
            return 0;  // EAGAIN: the time is up
        }
    }
}

}  // namespace barrage::base
