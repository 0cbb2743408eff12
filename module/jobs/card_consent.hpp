// マイナ保険証 consent registration (card consent): the one place where the choices made at the
// counter become OQS codes (oqs::CardRequest) and where those codes are read back as people read
// them. Pure: the CLI (card consent) and the screens (POST /api/card/consent) both call it.
#pragma once

#include "jobs/voice.hpp"
#include "onshi_batch/card_request.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace onshi::jobs {

// The choices as given (nullopt: not given; the screens' "" counts as not given).
struct ConsentOptions {
    std::optional<std::string> mode;       // homecare (訪問診療) | outpatient (外来診療等)
    std::optional<std::string> identity;   // visual (目視確認) | pin
    std::optional<std::string> ope, shinryo, kenshin, sikkan;  // 1 | 0; not given: 0 on the command line, refused on the screens
    std::optional<std::string> prescription;  // electronic | paper; not given: none
};

// treatment, identity, ope, shinryo, kenshin, sikkan and prescription as OQS codes (no certificate
// yet). Throws Error(usage, message in the voice, field) for the first choice that is not allowed.
oqs::CardRequest consent_choices(const ConsentOptions& o, Voice v);

// The codes read back.
std::string_view treatment_label(std::string_view treatment);      // "2" 訪問診療, else 外来診療等
std::string_view identity_label(std::string_view identity);        // "1" PIN, else 目視確認
std::string consent_label(std::string_view flag);                  // 同意する / 同意しない / - / as it is
std::string_view prescription_label(std::string_view code);        // 電子処方箋 / 紙の処方箋 / -
std::string insured_person_label(std::string_view honkzkkbn);      // 本人 / 家族 / as it is

}  // namespace onshi::jobs
