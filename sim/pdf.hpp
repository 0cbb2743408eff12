// A minimal PDF 1.4 document for the 薬剤情報 / 特定健診 answers: one A4 page of ASCII lines in
// Helvetica, written object by object with an exact cross-reference table. Same lines, same bytes
// (no dates, no IDs).
#pragma once

#include <string>
#include <vector>

namespace onshi::sim {

// `lines`: printable ASCII (anything else is replaced by '?'), top to bottom.
std::string make_pdf(const std::vector<std::string>& lines);

}  // namespace onshi::sim
