#include "barrage/plan/units.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

namespace barrage::plan {
namespace {

using base::make_error;
using base::Result;

constexpr std::string_view duration_forms =
    "use a number with a unit: 500ms, 30s, 2m, 1h (or 1m30s)";
constexpr std::string_view rate_forms =
    "use requests per second: 1000, 2.5, 20k, 1.5M, or per minute: 6000/m";
constexpr std::string_view count_forms = "use a whole number: 100, 10k";
constexpr std::string_view size_forms = "use bytes or a unit (k = 1024): 512, 4k, 1M, 1G";

// A non-negative decimal read exactly: whole + frac_numer / frac_denom.
struct Decimal {
    uint64_t whole = 0;
    uint64_t frac_numer = 0;
    uint64_t frac_denom = 1;
    size_t length = 0;  // characters consumed; 0 = no number
    bool overflow = false;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads digits[.digits] (or .digits) at the start of text. Fraction digits past
// the 18th are dropped: they are far below a nanosecond of any unit we accept.
Decimal read_decimal(std::string_view text) {
    Decimal number;
    size_t pos = 0;
    for (; pos < text.size() && is_digit(text[pos]); ++pos) {
        const auto digit = static_cast<uint64_t>(text[pos] - '0');
        if (__builtin_mul_overflow(number.whole, 10U, &number.whole) ||
            __builtin_add_overflow(number.whole, digit, &number.whole)) {
            number.overflow = true;
        }
    }
    const bool has_whole = pos > 0;
    if (pos + 1 < text.size() && text[pos] == '.' && is_digit(text[pos + 1])) {
        for (++pos; pos < text.size() && is_digit(text[pos]); ++pos) {
            if (number.frac_denom < 1'000'000'000'000'000'000ULL) {
                number.frac_numer = number.frac_numer * 10 + static_cast<uint64_t>(text[pos] - '0');
                number.frac_denom *= 10;
            }
        }
    } else if (!has_whole) {
        return number;
    }
    // Trailing zeros say nothing ("1.50k" is as whole as "1.5k").
    while (number.frac_denom > 1 && number.frac_numer % 10 == 0) {
        number.frac_numer /= 10;
        number.frac_denom /= 10;
    }
    number.length = pos;
    return number;
}

// number * unit rounded to the nearest integer; nullopt when it exceeds int64.
std::optional<int64_t> scale(const Decimal& number, uint64_t unit) {
    uint64_t whole_scaled = 0;
    if (number.overflow || __builtin_mul_overflow(number.whole, unit, &whole_scaled)) {
        return std::nullopt;
    }
    // The fraction times the unit is below the unit (<= 3.6e12), so long double is exact enough.
    const long double frac_scaled = static_cast<long double>(number.frac_numer) *
                                    static_cast<long double>(unit) /
                                    static_cast<long double>(number.frac_denom);
    const auto frac_rounded = static_cast<uint64_t>(std::llround(frac_scaled));
    uint64_t total = 0;
    if (__builtin_add_overflow(whole_scaled, frac_rounded, &total) ||
        total > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return std::nullopt;
    }
    return static_cast<int64_t>(total);
}

// True when number * unit has no fractional part.
bool is_whole_after_scale(const Decimal& number, uint64_t unit) {
    if (number.frac_numer == 0) {
        return true;
    }
    // frac_numer < frac_denom; when the denominator exceeds the unit the product can't be whole.
    return number.frac_denom <= unit && (number.frac_numer * unit) % number.frac_denom == 0;
}

struct Unit {
    std::string_view suffix;
    uint64_t multiplier;
};

// Longest match first, so "ms" wins over "m".
constexpr std::array<Unit, 7> duration_units{{
    {"ns", 1},
    {"us", 1'000},
    {"\u00b5s", 1'000},
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60'000'000'000},
    {"h", 3'600'000'000'000},
}};

template <size_t N>
const Unit* match_prefix(std::string_view text, const std::array<Unit, N>& units) {
    const Unit* best = nullptr;
    for (const Unit& unit : units) {
        if (text.starts_with(unit.suffix) &&
            (best == nullptr || unit.suffix.size() > best->suffix.size())) {
            best = &unit;
        }
    }
    return best;
}

template <size_t N>
const Unit* match_exact(std::string_view text, const std::array<Unit, N>& units) {
    for (const Unit& unit : units) {
        if (text == unit.suffix) {
            return &unit;
        }
    }
    return nullptr;
}

base::Error not_a(std::string_view flag, std::string_view text, std::string_view noun,
                  std::string_view forms) {
    return make_error(fmt::format("{}: '{}' is not {}; {}", flag, text, noun, forms));
}

// Empty, negative and signed inputs get their own message before the generic one.
std::optional<base::Error> reject_sign(std::string_view flag, std::string_view text,
                                       std::string_view forms) {
    if (text.empty()) {
        return make_error(fmt::format("{}: the value is empty; {}", flag, forms));
    }
    if (text.front() == '-') {
        return make_error(fmt::format("{}: '{}' is negative; {}", flag, text, forms));
    }
    return std::nullopt;
}

}  // namespace

Result<int64_t> parse_duration_ns(std::string_view flag, std::string_view text, bool allow_zero) {
    if (auto error = reject_sign(flag, text, duration_forms)) {
        return *error;
    }
    int64_t total_ns = 0;
    for (size_t pos = 0; pos < text.size();) {
        const Decimal number = read_decimal(text.substr(pos));
        if (number.length == 0) {
            return not_a(flag, text, "a duration", duration_forms);
        }
        pos += number.length;
        const Unit* unit = match_prefix(text.substr(pos), duration_units);
        const bool bare_seconds = unit == nullptr && pos == text.size() && pos == number.length;
        if (unit == nullptr && !bare_seconds) {
            return not_a(flag, text, "a duration", duration_forms);
        }
        pos += unit == nullptr ? 0 : unit->suffix.size();
        const auto part_ns = scale(number, unit == nullptr ? 1'000'000'000 : unit->multiplier);
        if (!part_ns || __builtin_add_overflow(total_ns, *part_ns, &total_ns)) {
            return make_error(fmt::format("{}: '{}' is too long; {}", flag, text, duration_forms));
        }
    }
    if (total_ns == 0 && !allow_zero) {
        return make_error(fmt::format("{}: must be greater than 0 (got '{}')", flag, text));
    }
    return total_ns;
}

Result<double> parse_rate_per_s(std::string_view flag, std::string_view text) {
    if (auto error = reject_sign(flag, text, rate_forms)) {
        return *error;
    }
    const Decimal number = read_decimal(text);
    if (number.length == 0) {
        return not_a(flag, text, "a rate", rate_forms);
    }
    // from_chars on the digits we checked: exact rounding, no locale, no "nan" or "1e9".
    double value = 0;
    const auto digits = text.substr(0, number.length);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc{} || end != digits.data() + digits.size()) {
        return make_error(fmt::format("{}: '{}' is too large; {}", flag, text, rate_forms));
    }
    static constexpr std::array<Unit, 3> multipliers{
        {{"k", 1'000}, {"K", 1'000}, {"M", 1'000'000}}};
    static constexpr std::array<Unit, 3> periods{{{"/s", 1}, {"/m", 60}, {"/h", 3'600}}};
    auto rest = text.substr(number.length);
    if (const Unit* multiplier = match_prefix(rest, multipliers)) {
        value *= static_cast<double>(multiplier->multiplier);
        rest.remove_prefix(multiplier->suffix.size());
    }
    if (const Unit* period = match_exact(rest, periods)) {
        value /= static_cast<double>(period->multiplier);
        rest = {};
    }
    if (!rest.empty()) {
        return not_a(flag, text, "a rate", rate_forms);
    }
    if (!std::isfinite(value)) {
        return make_error(fmt::format("{}: '{}' is too large; {}", flag, text, rate_forms));
    }
    if (value <= 0) {
        return make_error(fmt::format(
            "{}: must be greater than 0 (got '{}'); leave it out to send as fast as the server "
            "answers",
            flag, text));
    }
    return value;
}

Result<int64_t> parse_count(std::string_view flag, std::string_view text, int64_t min,
                            int64_t max) {
    BARRAGE_ASSERT(0 <= min && min <= max);
    if (auto error = reject_sign(flag, text, count_forms)) {
        return *error;
    }
    static constexpr std::array<Unit, 4> multipliers{
        {{"", 1}, {"k", 1'000}, {"K", 1'000}, {"M", 1'000'000}}};
    const Decimal number = read_decimal(text);
    const Unit* multiplier =
        number.length == 0 ? nullptr : match_exact(text.substr(number.length), multipliers);
    if (multiplier == nullptr) {
        return not_a(flag, text, "a count", count_forms);
    }
    if (!is_whole_after_scale(number, multiplier->multiplier)) {
        return not_a(flag, text, "a whole number", count_forms);
    }
    const auto value = scale(number, multiplier->multiplier);
    if (!value || *value < min || *value > max) {
        return make_error(
            fmt::format("{}: '{}' is out of range; use {} to {}", flag, text, min, max));
    }
    return *value;
}

Result<int64_t> parse_size_bytes(std::string_view flag, std::string_view text) {
    if (auto error = reject_sign(flag, text, size_forms)) {
        return *error;
    }
    constexpr uint64_t kib = 1024;
    static constexpr std::array<Unit, 14> units{{
        {"", 1},
        {"B", 1},
        {"k", kib},
        {"K", kib},
        {"KB", kib},
        {"KiB", kib},
        {"m", kib * kib},
        {"M", kib * kib},
        {"MB", kib * kib},
        {"MiB", kib * kib},
        {"g", kib * kib * kib},
        {"G", kib * kib * kib},
        {"GB", kib * kib * kib},
        {"GiB", kib * kib * kib},
    }};
    const Decimal number = read_decimal(text);
    const Unit* unit =
        number.length == 0 ? nullptr : match_exact(text.substr(number.length), units);
    if (unit == nullptr) {
        return not_a(flag, text, "a size", size_forms);
    }
    const auto bytes = scale(number, unit->multiplier);
    if (!bytes) {
        return make_error(fmt::format("{}: '{}' is too large; {}", flag, text, size_forms));
    }
    if (*bytes == 0) {
        return make_error(fmt::format("{}: must be greater than 0 (got '{}')", flag, text));
    }
    return *bytes;
}

namespace {

// The minutes in a growth rate's period: "min", "h", "24h", "0.5s" (a count before the unit).
std::optional<double> period_min(std::string_view text) {
    const Decimal count = read_decimal(text);
    static constexpr std::array<Unit, 6> per_time{
        {{"s", 1}, {"sec", 1}, {"m", 60}, {"min", 60}, {"h", 3600}, {"d", 86400}}};
    const Unit* time = match_exact(text.substr(count.length), per_time);
    if (time == nullptr || count.overflow) {
        return std::nullopt;
    }
    const double counted = count.length == 0 ? 1.0
                                             : static_cast<double>(count.whole) +
                                                   static_cast<double>(count.frac_numer) /
                                                       static_cast<double>(count.frac_denom);
    if (counted <= 0) {
        return std::nullopt;
    }
    return counted * static_cast<double>(time->multiplier) / 60.0;
}

}  // namespace

Result<double> parse_growth_per_min(std::string_view flag, std::string_view text, GrowthUnit unit) {
    const std::string_view forms =
        unit == GrowthUnit::megabytes ? "use size per time: 10MB/min, 512KB/min, 1GB/h, 0.5MB/s, "
                                        "2GB/24h"
        : unit == GrowthUnit::percent ? "use a percentage per time: 10%/24h, 1%/h, 0.5%/min"
                                      : "use a count per time: 10/min, 1/h, 0.5/s, 100/24h";
    const auto slash = text.rfind('/');
    const Decimal number = read_decimal(text);
    if (slash == std::string_view::npos || number.length == 0 || number.overflow) {
        return not_a(flag, text, "a growth rate", forms);
    }
    const std::optional<double> minutes = period_min(text.substr(slash + 1));
    const std::string_view size = text.substr(number.length, slash - number.length);
    static constexpr std::array<Unit, 6> sizes{{{"KB", 1},
                                                {"KiB", 1},
                                                {"MB", 1024},
                                                {"MiB", 1024},
                                                {"GB", 1024 * 1024},
                                                {"GiB", 1024 * 1024}}};
    const Unit* size_unit = match_exact(size, sizes);
    const bool size_ok = unit == GrowthUnit::megabytes ? size_unit != nullptr
                         : unit == GrowthUnit::percent ? size == "%"
                                                       : size.empty();
    if (!minutes || !size_ok) {
        return not_a(flag, text, "a growth rate", forms);
    }
    double value = static_cast<double>(number.whole) +
                   static_cast<double>(number.frac_numer) / static_cast<double>(number.frac_denom);
    if (unit == GrowthUnit::megabytes) {
        value = value * static_cast<double>(size_unit->multiplier) / 1024.0;  // KiB -> MiB
    } else if (unit == GrowthUnit::percent) {
        value /= 100.0;  // a fraction
    }
    return value / *minutes;
}

}  // namespace barrage::plan
