#include "p031_bridge/star.hpp"

#include "core/text.hpp"

#include <algorithm>
#include <cstdio>

namespace onshi::bridge {
namespace {

using text::to_zenkaku;

void set_consent(KakuRow& row, Col flg, Col time, Col kigen, const Consent& c) {
    row[flg] = c.flg;
    row[time] = c.time;
    row[kigen] = c.available_time;
}


// Request-level columns, the same on every row of the unit.
void fill_common(KakuRow& row, const ResultHeader& h, const BulkConfirmUnit& u, const WriteContext& ctx) {
    row[Col::hospnum] = std::to_string(ctx.hospnum);
    row[Col::tbl_uuid] = ctx.new_uuid();
    row[Col::shokai_kbn] = "1";
    row[Col::result_kbn] = h.segment_of_result;
    row[Col::err_code] = h.error_code;
    row[Col::err_msg] = h.error_message;
    row[Col::code_type] = "1";
    row[Col::shori_time] = h.process_execution_time;
    row[Col::kakuninymd] = kakuninymd_of(h);
    row[Col::hospcd] = h.medical_institution_code;
    row[Col::file_sikibetu] = ctx.file_sikibetu.empty() ? h.arbitrary_file_identifier : ctx.file_sikibetu;
    row[Col::kaku_endflg] = "03";
    row[Col::kaku_kakuninymd] = ctx.now_ymd;
    row[Col::kaku_kakuninhms] = ctx.now_hms;
    const auto& s = u.search;
    row[Col::sho_hknjanum] = s.insurer_number;
    const bool kohi_like = s.insurer_number.starts_with("12") && s.insurer_number.size() >= 8 &&
                           text::trim(s.insurer_number.substr(6, 2)).size() > 0;
    row[Col::sho_num] = kohi_like ? s.insured_identification_number : to_zenkaku(s.insured_identification_number);
    row[Col::sho_birthday] = s.birthdate;
    row[Col::sho_douiflg] = s.limit_cons_flg;
    row[Col::result] = u.processing_result_status;
    row[Col::result_code] = u.processing_result_code;
    row[Col::result_msg] = u.processing_result_message;
    row[Col::sikaku_yuko] = u.qualification_validity;
    row[Col::opid] = ctx.opid;
    row[Col::termid] = ctx.termid;
    row[Col::creymd] = ctx.now_ymd;
    row[Col::crehms] = ctx.now_hms;
}

// The certificate details of a result: ★ writes them on 保険 rows only, the consent batch on both.
void fill_details(KakuRow& row, const QualificationResult& r) {
    row[Col::res_kigo] = to_zenkaku(r.insured_card_symbol);
    row[Col::res_edaban] = r.insured_branch_number;
    row[Col::res_honkzkkbn] = r.personal_family_classification;
    row[Col::res_hihknjaname] = to_zenkaku(r.insured_name);
    row[Col::skkgetymd] = r.insured_certificate_issuance_date;
    row[Col::ftnrate] = r.insured_partial_contribution_ratio;
    row[Col::misyugaku] = r.preschool_classification;
    row[Col::elder_skkgetymd] = r.elderly_certificate_date;
    row[Col::elder_tekstymd] = r.elderly_valid_start_date;
    row[Col::elder_tekedymd] = r.elderly_valid_end_date;
    row[Col::elder_ftnrate] = r.elderly_contribution_ratio;
    row[Col::gendo_douiflg] = r.limit_cons_flg;
    row[Col::gendo_time] = r.limit_cons_time;
    row[Col::gendo_shokbn] = r.limit_classification;
    row[Col::gendo_tekkbn] = r.limit_classification_flag;
    row[Col::gendo_skkgetymd] = r.limit_certificate_date;
    row[Col::gendo_tekstymd] = r.limit_valid_start_date;
    row[Col::gendo_tekedymd] = r.limit_valid_end_date;
    row[Col::gendo_skjgnstymd] = r.limit_long_term_date;
    row[Col::sikkan_douiflg] = r.sikkan_cons_flg;
    row[Col::sikkan_time] = r.sikkan_cons_time;
    static constexpr Col kSikkan[3][5] = {
        {Col::sikkan_sipkbn1, Col::sikkan_skjgnstymd1, Col::sikkan_tekstymd1, Col::sikkan_tekedymd1, Col::sikkan_ftnmoney1},
        {Col::sikkan_sipkbn2, Col::sikkan_skjgnstymd2, Col::sikkan_tekstymd2, Col::sikkan_tekedymd2, Col::sikkan_ftnmoney2},
        {Col::sikkan_sipkbn3, Col::sikkan_skjgnstymd3, Col::sikkan_tekstymd3, Col::sikkan_tekedymd3, Col::sikkan_ftnmoney3}};
    for (std::size_t i = 0; i < r.specific_diseases.size() && i < 3; ++i) {
        const auto& d = r.specific_diseases[i];
        row[kSikkan[i][0]] = d.disease_category;
        row[kSikkan[i][1]] = d.certificate_date;
        row[kSikkan[i][2]] = d.valid_start_date;
        row[kSikkan[i][3]] = d.valid_end_date;
        row[kSikkan[i][4]] = d.self_pay;
    }
}

// Columns of one ResultOfQualificationConfirmation (§1.2, second table).
void fill_result(KakuRow& row, const BulkConfirmUnit& u, const QualificationResult& r) {
    const bool ins = !r.is_welfare();
    row[Col::card_class] = r.insured_card_classification;
    row[Col::res_hknjanum] = r.insurer_number;
    row[Col::res_num] = ins ? to_zenkaku(r.insured_identification_number) : r.insured_identification_number;
    row[Col::res_name] = to_zenkaku(r.name);
    row[Col::res_name_etc] = to_zenkaku(r.name_of_other);
    row[Col::res_kananame] = to_zenkaku(r.name_kana);
    row[Col::res_kananame_etc] = to_zenkaku(r.name_of_other_kana);
    row[Col::res_sex1] = r.sex1;
    row[Col::res_sex2] = r.sex2;
    row[Col::res_birthday] = r.birthdate;
    row[Col::res_post] = r.post_number;
    row[Col::res_adrs] = text::to_zenkaku_address(r.address);
    row[Col::loss_jiyu] = r.reason_of_loss;
    row[Col::hknjanum_name] = to_zenkaku(r.insurer_name);
    set_consent(row, Col::kenshin_douiflg, Col::kenshin_time, Col::kenshin_kigenymd, r.checkup);
    set_consent(row, Col::yakuzai_douiflg, Col::yakuzai_time, Col::yakuzai_kigen, r.pharmacists);
    set_consent(row, Col::shinryo_douiflg, Col::shinryo_time, Col::shinryo_kigen, r.diagnosis);
    set_consent(row, Col::ope_douiflg, Col::ope_time, Col::ope_kigen, r.operation);
    row[Col::onshi_upymd] = r.ons_registration_time;
    row[Col::sikaku_kakunin_key] = r.qualification_confirmation_key;
    row[Col::sikaku_update_flg] = r.qualification_change_flg;
    row[Col::sikibetu] = r.arbitrary_identifier.empty() ? u.search.arbitrary_identifier : r.arbitrary_identifier;
    row[Col::sho_shoho_keitai] = r.prescription_issue_select;
    if (!ins) {
        row[Col::koh_tekstymd1] = r.qualification_date;
        row[Col::koh_tekedymd1] = r.disqualification_date;
        return;
    }
    // 保険 rows only.
    const auto& s = u.search;
    row[Col::sho_kigo] = to_zenkaku(s.insured_card_symbol);
    row[Col::sho_edaban] = s.insured_branch_number;
    row[Col::join_skkgetymd] = r.qualification_date;
    row[Col::tekstymd] = r.insured_card_valid_date;
    row[Col::tekedymd] = r.insured_card_expiration_date;
    fill_details(row, r);
    // The 2025 consent groups; ORCA leaves them blank on 医療扶助 rows of 訪問/オンライン requests.
    set_consent(row, Col::shobyo_douiflg, Col::shobyo_time, Col::shobyo_kigen, r.diagnosis_name);
    set_consent(row, Col::kansensyo_douiflg, Col::kansensyo_time, Col::kansensyo_kigen, r.infectious);
    set_consent(row, Col::etc_allergy_douiflg, Col::etc_allergy_time, Col::etc_allergy_kigen, r.allergy);
    set_consent(row, Col::ykz_allergy_douiflg, Col::ykz_allergy_time, Col::ykz_allergy_kigen, r.contraindication);
    set_consent(row, Col::kensa_douiflg, Col::kensa_time, Col::kensa_kigen, r.test);
    set_consent(row, Col::shoho_douiflg, Col::shoho_time, Col::shoho_kigen, r.prescription);
}

}  // namespace

std::string kakuninymd_of(const ResultHeader& h) {
    if (!h.qualification_confirmation_date.empty()) return h.qualification_confirmation_date;
    return h.process_execution_time.substr(0, 8);
}

namespace {

// 保険 results first, then 医療扶助, as ORCA inserts them.
std::vector<std::size_t> insert_order(const BulkConfirmUnit& u) {
    std::vector<std::size_t> order;
    for (int pass = 0; pass < 2; ++pass)
        for (std::size_t i = 0; i < u.results.size(); ++i)
            if (u.results[i].is_welfare() == (pass == 1)) order.push_back(i);
    return order;
}

bool has_welfare(const BulkConfirmUnit& u) {
    return std::any_of(u.results.begin(), u.results.end(), [](const auto& r) { return r.is_welfare(); });
}

std::string ptid_message(const char* text, Ptid looked_up) {
    char b[32];
    std::snprintf(b, sizeof b, "%010lld", static_cast<long long>(looked_up));
    return std::string(text) + b + "）";
}

}  // namespace

std::vector<KakuRow> map_star(const ResultHeader& h, const BulkConfirmUnit& u, const UnitMatch& m,
                              const std::string& linked_ptnum, const WriteContext& ctx) {
    const std::string fujyo_uuid = has_welfare(u) ? ctx.new_uuid() : std::string();
    const std::string ref = normalize_ptnum(u.reference_number);
    std::vector<KakuRow> rows;
    rows.reserve(std::max<std::size_t>(u.results.size(), 1));  // a row is 150 strings: no regrowth moves
    std::string first_insurance_uuid;
    if (u.results.empty()) {
        // A 資格無 answer still yields one row (a blank card class becomes '01').
        KakuRow& row = rows.emplace_back();
        fill_common(row, h, u, ctx);
        row[Col::card_class] = "01";
        return rows;
    }
    for (std::size_t i : insert_order(u)) {
        const auto& r = u.results[i];
        const ResultMatch& rm = m.results.at(i);
        KakuRow& row = rows.emplace_back();  // in place (reserved above): a row is not moved
        fill_common(row, h, u, ctx);
        fill_result(row, u, r);
        row[Col::ptid] = std::to_string(rm.ptid);
        row[Col::set_ptid] = rm.ptid > 0 ? "1" : "";
        row[Col::fujyo_uuid] = fujyo_uuid;
        if (!r.is_welfare() && first_insurance_uuid.empty()) first_insurance_uuid = row[Col::tbl_uuid];
        if (r.is_welfare()) row[Col::kouhi_uuid] = first_insurance_uuid;
        // 照会番号 is kept only when it is the linked patient's 患者番号.
        if (rm.ptid > 0 && !ref.empty() && ref == linked_ptnum) row[Col::shokai_num] = u.reference_number;
        if (h.error_code.empty() && rm.looked_up != 0 && rm.looked_up != rm.ptid) {
            row[Col::err_code] = "ORCAE18";
            row[Col::err_msg] = ptid_message("患者ＩＤが一致しなかったので初期化しました。（", rm.looked_up);
        }
    }
    return rows;
}

ConsentRows map_consent(const ResultHeader& h, const BulkConfirmUnit& u, const UnitMatch& m, std::string_view flag,
                        const WriteContext& ctx) {
    ConsentRows out;
    const std::string fujyo_uuid = has_welfare(u) ? ctx.new_uuid() : std::string();
    const bool two = has_welfare(u) && std::any_of(u.results.begin(), u.results.end(), [](const auto& r) { return !r.is_welfare(); });
    const std::string pet = h.process_execution_time;
    std::string insurance_uuid;
    for (std::size_t i : insert_order(u)) {
        const auto& r = u.results[i];
        const ResultMatch& rm = m.results.at(i);
        const bool welfare = r.is_welfare();
        KakuRow row;
        fill_common(row, h, u, ctx);
        fill_result(row, u, r);
        if (welfare) fill_details(row, r);  // the consent batch sets the details on both rows
        // §2.2: what the consent batch does differently from the face-style row.
        row[Col::shokai_kbn] = "";
        row[Col::process_class] = std::string(flag);
        row[Col::onshinryo_kbn] = std::string(flag);
        row[Col::kakuninymd] = row[Col::kaku_kakuninymd] = pet.substr(0, 8);
        row[Col::kaku_kakuninhms] = pet.size() >= 14 ? pet.substr(8, 6) : "";
        row[Col::code_type] = h.character_code_identifier;
        row[Col::sikibetu] = h.arbitrary_file_identifier;
        row[Col::file_sikibetu] = h.arbitrary_file_identifier;
        row[Col::shokai_num] = u.reference_number;
        row[Col::ptid] = std::to_string(rm.ptid);
        row[Col::set_ptid] = "1";
        row[Col::opid] = "";
        row[Col::termid] = "";
        for (Col c : {Col::join_skkgetymd, Col::sho_douiflg, Col::sho_shoho_keitai, Col::sikaku_kakunin_key, Col::sikaku_update_flg,
                      Col::shobyo_douiflg, Col::shobyo_time, Col::shobyo_kigen, Col::kansensyo_douiflg, Col::kansensyo_time,
                      Col::kansensyo_kigen, Col::etc_allergy_douiflg, Col::etc_allergy_time, Col::etc_allergy_kigen,
                      Col::ykz_allergy_douiflg, Col::ykz_allergy_time, Col::ykz_allergy_kigen, Col::kensa_douiflg, Col::kensa_time,
                      Col::kensa_kigen, Col::shoho_douiflg, Col::shoho_time, Col::shoho_kigen})
            row[c] = "";
        row[Col::fujyo_uuid] = fujyo_uuid;
        if (!welfare && insurance_uuid.empty()) insurance_uuid = row[Col::tbl_uuid];
        if (welfare && two) row[Col::kouhi_uuid] = insurance_uuid;
        if (h.error_code.empty() && rm.looked_up != 0 && rm.looked_up != rm.ptid) {
            row[Col::err_code] = "ORCAE01";
            row[Col::err_msg] = ptid_message("患者ＩＤが一致しません。（", rm.looked_up);
        }
        // §2.4: the patient's 訪問/オンライン consent record; not for the A1 row of a 2-result person.
        if (!(welfare && two)) {
            HoumonRow hm;
            hm.ptid = rm.ptid;
            hm.onshinryo_kbn = std::string(flag);
            hm.tbl_uuid = row[Col::tbl_uuid];
            if (welfare) {
                hm.ftnjanum = r.insurer_number;
                hm.jkysnum = r.insured_identification_number;
            } else {
                hm.hknjanum = r.insurer_number;
                hm.kigo = row[Col::res_kigo];
                hm.num = row[Col::res_num];
                hm.edaban = r.insured_branch_number;
            }
            hm.doui_startymd = r.consent_date_from.empty() ? u.search.consent_date_from : r.consent_date_from;
            hm.doui_endymd = r.consent_date_to.empty() ? u.search.consent_date_to : r.consent_date_to;
            hm.kaku_kakuninymd = row[Col::kaku_kakuninymd];
            hm.kaku_kakuninhms = row[Col::kaku_kakuninhms];
            hm.gendo_shutokuflg = row[Col::gendo_douiflg];
            hm.sikkan_shutokuflg = row[Col::sikkan_douiflg];
            hm.kenshin_douiflg = row[Col::kenshin_douiflg];
            hm.yakuzai_douiflg = row[Col::yakuzai_douiflg];
            hm.shinryo_douiflg = row[Col::shinryo_douiflg];
            hm.ope_douiflg = row[Col::ope_douiflg];
            out.houmon.push_back(std::move(hm));
        }
        // §2.5: 医療券 (TicketType 01, 入院/入院外) of an A1 row, at most 4, up to the first blank IssueNumber.
        if (welfare) {
            int rennum = 0;
            for (const auto& t : r.medical_tickets) {
                if (rennum == 4 || text::trim(t.issue_number).empty()) break;
                if (t.ticket_type != "01" || (t.treatment_type != "01" && t.treatment_type != "02")) continue;
                AidRow a;
                a.tbl_uuid = ctx.new_uuid();
                a.fujyo_uuid = fujyo_uuid;
                a.ptid = rm.ptid;
                a.ftnjanum = r.insurer_number;
                a.jkysnum = r.insured_identification_number;
                a.rennum = ++rennum;
                a.kofunum = text::to_hankaku_ascii(t.issue_number).substr(0, 15);
                a.sryym = t.treatment_month;
                a.medical_type = t.treatment_type;
                out.aid.push_back(std::move(a));
            }
        }
        out.kaku.push_back(std::move(row));
    }
    return out;
}

std::vector<std::string> fit_to_orca(KakuRow& row) {
    std::vector<std::string> cut;
    for (std::size_t i = 0; i < kColumnCount; ++i) {
        const auto& c = kColumns[i];
        if (is_numeric(c.kind)) continue;
        std::string& v = row.at(i);
        if (std::any_of(v.begin(), v.end(), [](char ch) { return static_cast<unsigned char>(ch) >= 0x80; }))
            text::to_storable_form_in_place(v);
        if (v.size() <= c.length) continue;  // bytes >= EUC-JP bytes for every character we keep
        if (text::euc_jp_bytes(v) <= c.length) continue;
        v = text::cut_euc_jp_bytes(v, c.length);
        cut.emplace_back(c.name);
    }
    return cut;
}

std::optional<std::string> hold_reason(const std::vector<KakuRow>& rows, Gaiji gaiji) {
    static constexpr Col kNames[] = {Col::res_name, Col::res_name_etc, Col::res_kananame, Col::res_kananame_etc, Col::res_hihknjaname};
    for (const auto& row : rows) {
        for (Col c : kNames)
            if (text::has_black_circle(row[c]))
                return std::string(kColumns[static_cast<std::size_t>(c)].name) + ": ●（OQSが表せなかった文字）を含む";
        if (gaiji == Gaiji::absent) continue;
        for (std::size_t i = 0; i < kColumnCount; ++i) {
            if (is_numeric(kColumns[i].kind)) continue;
            const std::string g = text::first_gaiji(row.at(i));
            if (!g.empty())
                return std::string(kColumns[i].name) + ": 日レセのデータベース(EUC_JP)で扱えない文字（外字）を含む";
        }
    }
    return std::nullopt;
}

void each_consent_text(std::vector<HoumonRow>& houmon, std::vector<AidRow>& aid, const std::function<void(const char*, std::string&)>& f) {
    for (auto& h : houmon)
        for (auto [name, v] : {std::pair{"tbl_onshi_houmon.hknjanum", &h.hknjanum}, {"tbl_onshi_houmon.kigo", &h.kigo}, {"tbl_onshi_houmon.num", &h.num},
                               {"tbl_onshi_houmon.edaban", &h.edaban}, {"tbl_onshi_houmon.ftnjanum", &h.ftnjanum}, {"tbl_onshi_houmon.jkysnum", &h.jkysnum},
                               {"tbl_onshi_houmon.doui_startymd", &h.doui_startymd}, {"tbl_onshi_houmon.doui_endymd", &h.doui_endymd}})
            f(name, *v);
    for (auto& a : aid)
        for (auto [name, v] : {std::pair{"tbl_onshi_aidlst.ftnjanum", &a.ftnjanum}, {"tbl_onshi_aidlst.jkysnum", &a.jkysnum}, {"tbl_onshi_aidlst.kofunum", &a.kofunum},
                               {"tbl_onshi_aidlst.sryym", &a.sryym}, {"tbl_onshi_aidlst.medical_type", &a.medical_type}})
            f(name, *v);
}

std::optional<std::string> fit_consent_to_orca(std::vector<HoumonRow>& houmon, std::vector<AidRow>& aid) {
    std::optional<std::string> why;
    each_consent_text(houmon, aid, [&why](const char* column, std::string& v) {
        text::to_storable_form_in_place(v);
        if (!why && !text::first_gaiji(v).empty()) why = std::string(column) + ": 日レセのデータベース(EUC_JP)で扱えない文字（外字）を含む";
    });
    return why;
}

}  // namespace onshi::bridge
