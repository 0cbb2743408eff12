// The row style's one table of names (model.hpp).
#include "core/model.hpp"

#include "core/error.hpp"

#include <array>
#include <utility>

namespace onshi {

namespace {

constexpr std::array<std::pair<Style, std::string_view>, 3> kStyles{{
    {Style::facility, ""}, {Style::star, "star"}, {Style::consent, "consent"},
}};

}  // namespace

std::string_view to_text(Style s) {
    for (const auto& [st, text] : kStyles)
        if (st == s) return text;
    throw Error(Errc::internal, "a row style without a name");
}

std::optional<Style> parse_style(std::string_view text) {
    for (const auto& [st, t] : kStyles)
        if (t == text) return st;
    return std::nullopt;
}

Style style_from_text(std::string_view text) {
    if (const auto s = parse_style(text)) return *s;
    throw Error(Errc::internal, "unknown row style '" + std::string(text) + "'");
}

}  // namespace onshi
