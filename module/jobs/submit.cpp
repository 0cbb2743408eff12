#include "jobs/submit.hpp"

#include "app/clock.hpp"
#include "core/dates.hpp"
#include "core/error.hpp"
#include "core/text.hpp"

namespace onshi::jobs {
namespace {

// The refusals, by rule: the command line's words and the screens'. `field` is the form field
// (consent_from); the command line's option is the same with '-' (--consent-from).
enum class Rule { not_a_date, not_a_month, half_range, backwards, exam_not_online, both_ranges, no_patient };

std::string screen_label(const std::string& field) {
    if (field == "consent_from") return "同意年月日（開始）";
    if (field == "consent_to") return "同意年月日（終了）";
    if (field == "exam_from") return "診療年月日（開始）";
    if (field == "exam_to") return "診療年月日（終了）";
    if (field == "seen_since") return "受診日";
    return field;
}

std::string message(Rule r, Voice v, const std::string& field, const std::string& value) {
    const bool cli = v == Voice::cli;
    const bool consent = field.starts_with("consent");
    switch (r) {
        case Rule::not_a_date:
            return cli ? option_name(field) + " '" + value + "' is not a date (YYYYMMDD)" : screen_label(field) + "は正しい日付（YYYYMMDD）ではありません";
        case Rule::not_a_month: return cli ? "--month '" + value + "' is not a month (YYYYMM)" : "診療年月は正しい年月（YYYYMM）ではありません";
        case Rule::half_range:
            return cli ? (consent ? "--consent-from needs --consent-to" : "--exam-from needs --exam-to")
                       : (consent ? "同意年月日の範囲は開始と終了の両方を指定してください" : "診療年月日の範囲は開始と終了の両方を指定してください");
        case Rule::backwards:
            return cli ? (consent ? "--consent-from is after --consent-to" : "--exam-from is after --exam-to")
                       : (consent ? "同意年月日の終了が開始より前です" : "診療年月日の終了が開始より前です");
        case Rule::exam_not_online: return cli ? "--exam-from/--exam-to are for --kind online" : "診療年月日の範囲はオンライン診療だけに指定できます";
        case Rule::both_ranges:
            return cli ? "online takes a consent range or an examination range, not both" : "同意年月日か診療年月日のどちらか一方を指定してください";
        case Rule::no_patient: return cli ? "--patient is needed" : "患者番号を入力してください";
    }
    return field;
}

[[noreturn]] void refuse(Rule r, Voice v, const std::string& field, const std::string& value = "") {
    throw Error(Errc::usage, message(r, v, field, value), field);
}

}  // namespace

const KindInfo& bulk_kind(std::string_view kind, Voice v) {
    const KindInfo* k = nullptr;
    try {
        k = &kind_info(parse_kind(kind));
    } catch (const Error&) {
        if (v == Voice::cli) throw;
    }
    if (!k || k->output != Output::rows || k->single_phase) {
        if (v == Voice::screen) throw Error(Errc::usage, "取得対象区分を選んでください", "kind");
        throw Error(Errc::usage, "fetch takes the bulk kinds; use register-refs, pdf or card consent for " + std::string(kind));
    }
    return *k;
}

Params bulk_params(const std::function<std::string(const ParamField&)>& given) {
    Params p;
    for (const auto& f : param_fields())
        if (f.value == Value::date || f.value == Value::month) p.*f.member = given(f);
    return p;
}

Kind pdf_kind(std::string_view type, Voice v) {
    if (type != "drug" && type != "checkup")
        throw Error(Errc::usage, v == Voice::cli ? "--type must be drug or checkup" : "種類は drug（薬剤情報）か checkup（特定健診）です", "type");
    return type == "drug" ? Kind::pdf_drug : Kind::pdf_checkup;
}

void check_params(Kind kind, const Params& p, Voice v) {
    const std::pair<const char*, const std::string*> dates_given[] = {{"consent_from", &p.consent_from}, {"consent_to", &p.consent_to},
                                                                      {"exam_from", &p.exam_from},       {"exam_to", &p.exam_to},
                                                                      {"seen_since", &p.seen_since}};
    for (const auto& [field, value] : dates_given)
        if (!value->empty() && !dates::valid_ymd(*value)) refuse(Rule::not_a_date, v, field, *value);
    if (!p.month.empty() && !dates::valid_ym(p.month)) refuse(Rule::not_a_month, v, "month", p.month);
    if (v == Voice::screen) {  // the form sends both ends; the command line fills a missing one (apply_defaults)
        if (p.consent_from.empty() != p.consent_to.empty()) refuse(Rule::half_range, v, p.consent_from.empty() ? "consent_from" : "consent_to");
        if (p.exam_from.empty() != p.exam_to.empty()) refuse(Rule::half_range, v, p.exam_from.empty() ? "exam_from" : "exam_to");
    }
    // Which comes first when two rules are broken: the screens name the range that is not allowed
    // before one that is backwards; the command line as it always has (Params::validate's order).
    const auto backwards = [&] {
        if (!p.consent_from.empty() && !p.consent_to.empty() && p.consent_from > p.consent_to) refuse(Rule::backwards, v, "consent_to");
        if (!p.exam_from.empty() && !p.exam_to.empty() && p.exam_from > p.exam_to) refuse(Rule::backwards, v, "exam_to");
    };
    if (v == Voice::cli) backwards();
    if (!p.exam_from.empty() && kind != Kind::online) refuse(Rule::exam_not_online, v, "exam_from");
    if (kind == Kind::online && !p.exam_from.empty() && !p.consent_from.empty()) refuse(Rule::both_ranges, v, "exam_from");
    backwards();
}

JobRequest prepare(int hospnum, Kind kind, Params params, const std::string& opid, Voice v) {
    const KindInfo& k = kind_info(kind);
    check_params(kind, params, v);
    if (k.output == Output::pdf) {
        params.ptnum = text::patient_number(params.ptnum);
        if (params.ptnum.empty()) refuse(Rule::no_patient, v, "patient");
    }
    params.apply_defaults(kind, dates::today());
    params.validate(kind);
    return {hospnum, kind, std::move(params), opid.substr(0, 16)};
}

Submitted submit(db::Connection& db, const JobRequest& r, Voice v) {
    if (kind_info(r.kind).output == Output::pdf) {
        try {
            require_pdf_consent(db, r.hospnum, r.params.ptnum, r.kind);  // refused here: no job, no request
        } catch (const Error& e) {
            if (e.code() != Errc::usage && e.code() != Errc::not_found) throw;
            // The screens: a refusal about the patient field (400); the command line keeps the code (exit status).
            throw Error(v == Voice::screen ? Errc::usage : e.code(), e.what(), "patient");
        }
    }
    Submitted s;
    s.id = create_or_resume(db, r.hospnum, r.kind, r.params, r.opid, s.resumed);
    return s;
}

}  // namespace onshi::jobs
