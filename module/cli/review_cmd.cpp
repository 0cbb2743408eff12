// orca-onshi review: the units a person must decide on.
#include "cli/common.hpp"

#include "p031_bridge/review.hpp"

#include <cstdio>
#include <cstdlib>

namespace onshi::cli {
namespace {

// Who decides: --operator, else the login that ran sudo, else the login.
std::string operator_of(const Args& a) {
    if (auto o = a.get("operator")) return *o;
    for (const char* v : {"SUDO_USER", "USER", "LOGNAME"})
        if (const char* s = std::getenv(v); s && *s) return s;
    return "unknown";
}

}  // namespace

int cmd_review(const app::Config& cfg, const Args& a) {
    auto db = connect(cfg);
    if (a.pos.empty()) {
        a.only({"hospnum", "all"});
        const int hospnum = a.get("hospnum") ? a.hospnum() : 0;
        const auto items = bridge::review_list(db, hospnum, a.get("all") == "yes");
        std::printf("%-5s %-16s %-8s %-8s %-20s %-22s %s\n", "ID", "日時", "種別", "状態", "氏名", "カナ", "理由");
        for (const auto& it : items)
            std::printf("%-5lld %-16s %-8s %-8s %-20s %-22s %s%s%s\n", static_cast<long long>(it.id), it.created_at.c_str(),
                        it.kind == bridge::ReviewKind::held ? "保留" : "要確認", it.status.c_str(), it.name.c_str(), it.kana.c_str(), it.reason.c_str(),
                        it.decided_by.empty() ? "" : "  by ", it.decided_by.c_str());
        std::printf("%zu件\n", items.size());
        return 0;
    }
    if (a.pos.size() != 2 || (a.pos[0] != "accept" && a.pos[0] != "reject")) throw Error(Errc::usage, "review [accept|reject ID]");
    const std::int64_t id = std::stoll(a.pos[1]);
    if (a.pos[0] == "reject") {
        a.only({"operator"});
        bridge::review_reject(db, id, operator_of(a));
        std::printf("review %lld rejected\n", static_cast<long long>(id));
        return 0;
    }
    a.only({"patient", "name", "operator"});
    bridge::AcceptOptions o;
    o.operator_name = operator_of(a);
    o.ptnum = a.get("patient");
    o.name = a.get("name");
    std::printf("review %lld accepted: %s\n", static_cast<long long>(id), bridge::review_accept(db, id, o).c_str());
    return 0;
}

}  // namespace onshi::cli
