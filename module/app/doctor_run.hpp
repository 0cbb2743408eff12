// `orca-onshi doctor`: the I/O half (database, file system). Used by the CLI (printing each finding
// as it comes) and the web screens' /api/admin/doctor.
#pragma once

#include "app/config.hpp"
#include "app/doctor.hpp"

#include <functional>
#include <optional>
#include <vector>

namespace onshi::app::doctor {

// Runs every check (all facilities, or only `only_hospnum`); calls `each` for every finding as it is
// made, and returns them all. Never throws for what it checks: failures are findings.
std::vector<Finding> run(const Config& cfg, std::optional<int> only_hospnum, const std::function<void(const Finding&)>& each = {});

}  // namespace onshi::app::doctor
