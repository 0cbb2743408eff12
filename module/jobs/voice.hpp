// Who asks: the command line (English, options named --like-this) or the screens (Japanese, form
// fields). The use cases check a request once and word a refusal in the asker's voice; the field
// of an Error (core/error.hpp) names the form field either way ("consent_from" = --consent-from).
#pragma once

#include <string>
#include <string_view>

namespace onshi::jobs {

enum class Voice { cli, screen };

// The command line's option for a form field: consent_from -> --consent-from.
inline std::string option_name(std::string_view field) {
    std::string o = "--" + std::string(field);
    for (auto& c : o)
        if (c == '_') c = '-';
    return o;
}

}  // namespace onshi::jobs
