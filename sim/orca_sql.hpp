// The ORCA stand-in's patient tables (sql/orca/orca_standin.sql: tbl_ptnum, tbl_ptinf,
// tbl_pthkninf, tbl_ptkohinf) filled for a population, as psql input with COPY ... FROM stdin.
#pragma once

#include "population.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace onshi::sim {

// Rows for every person with in_orca, then for every ORCA-only extra. Every column is given:
// '' for blank text (never NULL), 0 for unused numbers; ORCA's 全角 forms where ORCA keeps them.
void write_populate_sql(std::ostream& out, const std::vector<Person>& people, const std::vector<Person>& extras,
                        int hospnum, const std::string& today);

}  // namespace onshi::sim
