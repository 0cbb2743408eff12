// When to try an HTTP request again (the HTTPS transport): pure, so the policy is tested without a
// network. Retried: connection failures (no HTTP status), 429, 502, 503, 504 — after Retry-After when
// the server gave one (capped), else exponential backoff with jitter. Never a 4xx (but 429), never a
// 2xx/3xx, never after the last attempt.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace onshi::retry {

struct Policy {
    int max_attempts = 5;          // the first try included
    int base_ms = 500;             // backoff before attempt 2: base, then ×2 each time
    int max_ms = 30000;            // cap on any single wait (Retry-After included)
};

// `status` 0 = no HTTP answer (connect error, reset, timeout). `attempt` = tries made so far (1-based).
// `retry_after_ms` from the Retry-After header if any. `unit` in [0,1): the jitter draw (the backoff
// is scaled by 0.5 + unit, "equal jitter"). The wait in ms before the next attempt, or nullopt.
std::optional<int> next_wait_ms(const Policy& p, int attempt, long status, std::optional<int> retry_after_ms, double unit);

bool retryable_status(long status);  // 0, 429, 502, 503, 504

// Retry-After: delta-seconds ("120") or an HTTP-date ("Fri, 31 Dec 2027 23:59:59 GMT"), relative to
// `now_epoch_s`. nullopt when unreadable; 0 for a date in the past.
std::optional<int> parse_retry_after_ms(std::string_view value, std::int64_t now_epoch_s);

}  // namespace onshi::retry
