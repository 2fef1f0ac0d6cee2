#pragma once
// Result<T>: a value or an Error, for control-plane code (parsing, planning,
// file output). The data plane returns small enums instead and never throws.

#include <string>
#include <utility>
#include <variant>

#include "barrage/base/assert.h"

namespace barrage::base {

// What went wrong, phrased for a person: what, where, how to fix.
struct Error {
    std::string message;
};

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::move(value)) {}      // NOLINT: implicit by design
    Result(Error error) : state_(std::move(error)) {}  // NOLINT: implicit by design

    bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & {
        BARRAGE_ASSERT_MSG(ok(), "Result::value() on an error");
        return std::get<0>(state_);
    }
    const T& value() const& {
        BARRAGE_ASSERT_MSG(ok(), "Result::value() on an error");
        return std::get<0>(state_);
    }
    T&& value() && {
        BARRAGE_ASSERT_MSG(ok(), "Result::value() on an error");
        return std::get<0>(std::move(state_));
    }
    const Error& error() const {
        BARRAGE_ASSERT_MSG(!ok(), "Result::error() on a value");
        return std::get<1>(state_);
    }

private:
    std::variant<T, Error> state_;
};

// Result<void> equivalent: success or an Error.
struct Ok {};
using Status = Result<Ok>;

inline Error make_error(std::string message) { return Error{std::move(message)}; }

}  // namespace barrage::base
