// The review list (onshi.review): units a person must decide on. Held units were not written (a
// name ORCA's EUC_JP cannot hold, or ●); flagged units were written as ORCA would and are listed.
// Every decision is audited with the operator's name, and a decided unit is never written twice.
#pragma once

#include "db/pg.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace onshi::bridge {

// onshi.review.kind: held (the unit's rows were not written, kept for a decision) or flagged (written
// as ORCA would, and listed). Text only at the database.
enum class ReviewKind { held, flagged };
std::string_view to_text(ReviewKind k);                   // "held", "flagged"
ReviewKind review_kind_from_text(std::string_view text);  // throws Error(internal) for any other text

struct ReviewItem {
    std::int64_t id = 0;
    ReviewKind kind = ReviewKind::held;
    std::string created_at, reason, status, decided_by, name, kana;
    std::int64_t ptid = 0;
    std::int64_t job_id = 0;
};

std::vector<ReviewItem> review_list(db::Connection& db, int hospnum, bool all);

struct AcceptOptions {
    std::string operator_name;
    std::optional<std::string> ptnum;  // link to this ORCA patient
    std::optional<std::string> name;   // held: the name to write instead of OQS's (else 外字 become 〓)
};

// Held: writes the kept rows (in one transaction). Flagged: links its rows to the patient, or
// records that a person looked. Throws Error(usage) when the item is decided already or the patient
// does not exist. Returns what was done, for the operator.
std::string review_accept(db::Connection& db, std::int64_t id, const AcceptOptions& opt);
void review_reject(db::Connection& db, std::int64_t id, const std::string& operator_name);

// ORCA's substitute for a character it cannot show.
inline constexpr const char* kGeta = "\xE3\x80\x93";  // 〓

}  // namespace onshi::bridge
