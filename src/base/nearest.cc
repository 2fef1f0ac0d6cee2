#include "barrage/base/nearest.h"

#include <algorithm>
#include <numeric>
#include <vector>

#include "barrage/base/excerpt.h"

namespace barrage::base {
namespace {

char fold(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Typed names are short (keys, flags, commands); a longer one is no typo of them.
constexpr std::size_t typed_chars_max = 64;

std::size_t distance_limit(std::size_t a_chars, std::size_t b_chars) {
    const std::size_t longer = std::max(a_chars, b_chars);
    return longer <= 4 ? 1 : longer <= 8 ? 2 : 3;
}

template <typename Name>
std::optional<std::string> nearest(std::string_view typed, std::span<const Name> candidates) {
    if (typed.empty() || typed.size() > typed_chars_max) {
        return std::nullopt;
    }
    std::optional<std::string> best;
    std::size_t best_distance = SIZE_MAX;
    for (const Name& candidate : candidates) {
        const std::string_view name(candidate);
        if (name == typed) {
            return std::nullopt;  // not unknown at all
        }
        const std::size_t distance = edit_distance(typed, name);
        if (distance <= distance_limit(typed.size(), name.size()) && distance < best_distance) {
            best = std::string(name);
            best_distance = distance;
        }
    }
    return best;
}

std::string phrase(const std::optional<std::string>& name) {
    return name ? "; did you mean '" + excerpt(*name) + "'?" : std::string();
}

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
    // Three rows of the dynamic programme: the one before last is for swaps.
    std::vector<std::size_t> before(b.size() + 1);
    std::vector<std::size_t> last(b.size() + 1);
    std::vector<std::size_t> row(b.size() + 1);
    std::iota(last.begin(), last.end(), std::size_t{0});
    for (std::size_t i = 1; i <= a.size(); ++i) {
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const bool same = fold(a[i - 1]) == fold(b[j - 1]);
            row[j] = std::min({last[j] + 1, row[j - 1] + 1, last[j - 1] + (same ? 0 : 1)});
            const bool swapped = i > 1 && j > 1 && fold(a[i - 1]) == fold(b[j - 2]) &&
                                 fold(a[i - 2]) == fold(b[j - 1]);
            if (swapped) {
                row[j] = std::min(row[j], before[j - 2] + 1);
            }
        }
        std::swap(before, last);
        std::swap(last, row);
    }
    return last[b.size()];
}

std::optional<std::string> nearest_name(std::string_view typed,
                                        std::span<const std::string_view> candidates) {
    return nearest(typed, candidates);
}

std::optional<std::string> nearest_name(std::string_view typed,
                                        std::span<const std::string> candidates) {
    return nearest(typed, candidates);
}

std::string did_you_mean(std::string_view typed, std::span<const std::string_view> candidates) {
    return phrase(nearest_name(typed, candidates));
}

std::string did_you_mean(std::string_view typed, std::span<const std::string> candidates) {
    return phrase(nearest_name(typed, candidates));
}

}  // namespace barrage::base
