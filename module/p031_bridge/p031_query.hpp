// Reads what ORCA's P031 【全体】 view lists for a day (selection and order of path key6, F9 off).
#pragma once

#include "db/pg.hpp"
#include "p031_bridge/p031_view.hpp"

#include <string>
#include <vector>

namespace onshi::bridge {

std::vector<P031Source> p031_rows(db::Connection& db, int hospnum, const std::string& ymd);

}  // namespace onshi::bridge
