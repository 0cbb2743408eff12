// Checks a parsed OQS result against the interface: codes from the code tables, real dates.
// A bad value makes the whole file malformed (nothing of it is written).
#pragma once

#include "core/model.hpp"

#include <cstddef>

namespace onshi::oqs {

void validate_header(const ResultHeader& h);                       // throws Error(malformed)
void validate_unit(const BulkConfirmUnit& u, std::size_t index);   // index is 1-based, for the message

}  // namespace onshi::oqs
