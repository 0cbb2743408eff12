#include "jobs/card_consent.hpp"

#include "core/error.hpp"

namespace onshi::jobs {
namespace {

// The refusals, by rule: the command line's words and the screens'.
enum class Rule { mode, identity, flag, prescription };

std::string message(Rule r, Voice v, const std::string& field) {
    const bool cli = v == Voice::cli;
    switch (r) {
        case Rule::mode:
            return cli ? "--mode must be homecare (訪問診療) or outpatient (外来診療等)" : "動作モード（訪問診療 / 外来診療等）を選んでください";
        case Rule::identity:
            return cli ? "--identity must be visual (目視確認) or pin" : "本人確認の方法（目視確認 / 暗証番号）を選んでください";
        case Rule::flag: return cli ? "--" + field + " takes 1 or 0" : "同意する / 同意しない を選んでください";
        case Rule::prescription: return cli ? "--prescription must be electronic or paper" : "処方箋は電子処方箋か紙の処方箋です";
    }
    return field;
}

[[noreturn]] void refuse(Rule r, Voice v, const std::string& field) { throw Error(Errc::usage, message(r, v, field), field); }

// What was given: the screens send "" for a choice not made.
std::optional<std::string> given(const std::optional<std::string>& o, Voice v) {
    if (v == Voice::screen && o && o->empty()) return std::nullopt;
    return o;
}

}  // namespace

oqs::CardRequest consent_choices(const ConsentOptions& o, Voice v) {
    oqs::CardRequest rq;
    const auto mode = given(o.mode, v);
    if (!mode && v == Voice::cli) throw Error(Errc::usage, "--mode is required", "mode");
    if (!mode || (*mode != "homecare" && *mode != "outpatient")) refuse(Rule::mode, v, "mode");
    rq.treatment = *mode == "homecare" ? "2" : "1";
    const auto identity = given(o.identity, v);
    if (!identity && v == Voice::cli) throw Error(Errc::usage, "--identity is required", "identity");
    if (!identity || (*identity != "visual" && *identity != "pin")) refuse(Rule::identity, v, "identity");
    rq.identity = *identity == "pin" ? "1" : "2";
    const std::pair<const char*, const std::optional<std::string>*> flags[] = {
        {"ope", &o.ope}, {"shinryo", &o.shinryo}, {"kenshin", &o.kenshin}, {"sikkan", &o.sikkan}};
    std::string* dst[] = {&rq.ope, &rq.shinryo, &rq.kenshin, &rq.sikkan};
    for (std::size_t i = 0; i < 4; ++i) {
        auto f = given(*flags[i].second, v);
        if (!f && v == Voice::cli) f = "0";
        if (!f || (*f != "1" && *f != "0")) refuse(Rule::flag, v, flags[i].first);
        *dst[i] = *f;
    }
    if (const auto rx = given(o.prescription, v)) {
        if (*rx != "electronic" && *rx != "paper") refuse(Rule::prescription, v, "prescription");
        rq.prescription = *rx == "electronic" ? "1" : "2";
    }
    return rq;
}

std::string_view treatment_label(std::string_view treatment) { return treatment == "2" ? "訪問診療" : "外来診療等"; }
std::string_view identity_label(std::string_view identity) { return identity == "1" ? "PIN" : "目視確認"; }

std::string consent_label(std::string_view flag) {
    if (flag == "1") return "同意する";
    if (flag == "0") return "同意しない";
    if (flag.empty()) return "-";
    return std::string(flag);
}

std::string_view prescription_label(std::string_view code) { return code == "1" ? "電子処方箋" : code == "2" ? "紙の処方箋" : "-"; }

std::string insured_person_label(std::string_view honkzkkbn) {
    if (honkzkkbn == "1") return "本人";
    if (honkzkkbn == "2") return "家族";
    return std::string(honkzkkbn);
}

}  // namespace onshi::jobs
