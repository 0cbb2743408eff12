// orca-onshi doctor: checks ORCA's live database and the facility configuration, one line per finding.
#include "cli/common.hpp"

#include "app/doctor_run.hpp"

#include <cstdio>

namespace onshi::cli {

int cmd_doctor(const app::Config& cfg, const Args& a) {
    a.only({"hospnum"});
    std::optional<int> only;
    if (a.get("hospnum")) only = a.hospnum();
    const auto all = app::doctor::run(cfg, only, [](const app::doctor::Finding& f) {
        std::printf("%s\n", app::doctor::line(f).c_str());
        std::fflush(stdout);
    });
    std::printf("%s\n", app::doctor::summary(all).c_str());
    return app::doctor::has_err(all) ? 1 : 0;
}

}  // namespace onshi::cli
