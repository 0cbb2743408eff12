#include "p031_bridge/p031_view.hpp"
#include "p031_bridge/star.hpp"
#include "unit.hpp"
#include "core/text.hpp"

#include <memory>

using namespace onshi;
using namespace onshi::bridge;

namespace {

WriteContext ctx() {
    WriteContext c;
    c.hospnum = 1;
    c.termid = "orca-onshi@test";
    c.now_ymd = "20251121";
    c.now_hms = "093000";
    auto n = std::make_shared<int>(0);
    c.new_uuid = [n] { return "uuid-" + std::to_string(++*n); };
    return c;
}

ResultHeader header() {
    ResultHeader h;
    h.process_execution_time = "20251121091500";
    h.qualification_confirmation_date = "20251121";
    h.medical_institution_code = "1310000017";
    h.arbitrary_file_identifier = "ORCA-ONSHI-1-7";
    h.segment_of_result = "1";
    return h;
}

BulkConfirmUnit pair_unit() {
    BulkConfirmUnit u;
    u.processing_result_status = "1";
    u.qualification_validity = "1";
    u.reference_number = "00010";
    u.search.insurer_number = "06140248";
    u.search.insured_card_symbol = "10";
    u.search.insured_identification_number = "1619";
    u.search.insured_branch_number = "01";
    u.search.arbitrary_identifier = "AI-1";
    QualificationResult ins;
    ins.insured_card_classification = "01";
    ins.insurer_number = "06140248";
    ins.insured_card_symbol = "10";
    ins.insured_identification_number = "1619";
    ins.insured_branch_number = "01";
    ins.personal_family_classification = "1";
    ins.name = "扶助 三葉";
    ins.name_kana = "ﾌｼﾞｮ ﾐﾂﾊﾞ";
    ins.address = "北海道小樽市花園3-18-99";
    ins.insured_partial_contribution_ratio = "030";
    ins.qualification_date = "20120401";
    ins.operation.flg = "0";
    ins.limit_cons_flg = "1";
    ins.specific_diseases.push_back({"2", "20120401", "20120401", "", "10000"});
    QualificationResult a1;
    a1.insured_card_classification = "A1";
    a1.insurer_number = "12161009";
    a1.insured_identification_number = "9931521";
    a1.name = "扶助 三葉";
    a1.qualification_date = "20240401";
    a1.disqualification_date = "20250331";
    u.results = {ins, a1};
    return u;
}

}  // namespace

START_TEST(star_pair_rows) {
    const auto u = pair_unit();
    UnitMatch m;
    m.results = {{1010, 1010, false}, {1010, 0, false}};
    const auto rows = map_star(header(), u, m, "00010", ctx());
    ck_assert_uint_eq(rows.size(), 2);
    const auto& h = rows[0];
    const auto& a = rows[1];
    ASSERT_STR(h[Col::shokai_kbn], "1");
    ASSERT_STR(h[Col::kakuninymd], "20251121");
    ASSERT_STR(h[Col::kaku_endflg], "03");
    ASSERT_STR(h[Col::code_type], "1");
    ASSERT_STR(h[Col::ptid], "1010");
    ASSERT_STR(h[Col::set_ptid], "1");
    ASSERT_STR(h[Col::shokai_num], "00010");
    ASSERT_STR(h[Col::res_name], "扶助\u3000三葉");
    ASSERT_STR(h[Col::res_kananame], "フジョ\u3000ミツバ");
    ASSERT_STR(h[Col::res_adrs], "北海道小樽市花園３\uFF0D１８\uFF0D９９");
    ASSERT_STR(h[Col::res_kigo], "１０");
    ASSERT_STR(h[Col::res_num], "１６１９");
    ASSERT_STR(h[Col::sho_kigo], "１０");
    ASSERT_STR(h[Col::sho_edaban], "01");
    ASSERT_STR(h[Col::join_skkgetymd], "20120401");
    ASSERT_STR(h[Col::ftnrate], "030");
    ASSERT_STR(h[Col::sikkan_sipkbn1], "2");
    ASSERT_STR(h[Col::sikkan_ftnmoney1], "10000");
    ASSERT_STR(h[Col::ope_douiflg], "0");
    ASSERT_STR(h[Col::gendo_douiflg], "1");
    ASSERT_STR(h[Col::sikibetu], "AI-1");
    ASSERT_STR(h[Col::file_sikibetu], "ORCA-ONSHI-1-7");
    ASSERT_STR(h[Col::kouhi_uuid], "");
    ASSERT_STR(h[Col::mod_flg], "");
    ASSERT_STR(h[Col::kaku_renumber], "0");
    // The A1 row: paired through fujyo_uuid, kouhi_uuid = the 保険 row, 保険-only columns blank.
    ASSERT_STR(a[Col::card_class], "A1");
    ck_assert(!h[Col::fujyo_uuid].empty());
    ASSERT_STR(a[Col::fujyo_uuid], h[Col::fujyo_uuid]);
    ASSERT_STR(a[Col::kouhi_uuid], h[Col::tbl_uuid]);
    ASSERT_STR(a[Col::res_num], "9931521");          // as received on A1 rows
    ASSERT_STR(a[Col::res_kigo], "");
    ASSERT_STR(a[Col::sho_kigo], "");
    ASSERT_STR(a[Col::ftnrate], "");
    ASSERT_STR(a[Col::join_skkgetymd], "");
    ASSERT_STR(a[Col::koh_tekstymd1], "20240401");
    ASSERT_STR(a[Col::koh_tekedymd1], "20250331");
    ASSERT_STR(a[Col::shori_time], h[Col::shori_time]);
    ASSERT_STR(a[Col::err_code], "");                // inherited ptid: no ORCAE18
    ck_assert(h[Col::tbl_uuid] != a[Col::tbl_uuid]);
}
END_TEST

START_TEST(star_conflict_error_code) {
    const auto u = pair_unit();
    UnitMatch m;
    m.results = {{0, 1010, false}, {0, 2020, false}};
    const auto rows = map_star(header(), u, m, "", ctx());
    ASSERT_STR(rows[0][Col::err_code], "ORCAE18");
    ASSERT_STR(rows[0][Col::err_msg], "患者ＩＤが一致しなかったので初期化しました。（0000001010）");
    ASSERT_STR(rows[1][Col::err_msg], "患者ＩＤが一致しなかったので初期化しました。（0000002020）");
    ASSERT_STR(rows[0][Col::set_ptid], "");
    ASSERT_STR(rows[0][Col::shokai_num], "");        // not the linked patient's 患者番号
}
END_TEST

START_TEST(star_kakuninymd_fallback_and_empty_unit) {
    auto h = header();
    h.qualification_confirmation_date.clear();
    ASSERT_STR(kakuninymd_of(h), "20251121");
    BulkConfirmUnit u;
    u.qualification_validity = "4";
    const auto rows = map_star(h, u, UnitMatch{}, "", ctx());
    ck_assert_uint_eq(rows.size(), 1);
    ASSERT_STR(rows[0][Col::card_class], "01");
    ASSERT_STR(rows[0][Col::sikaku_yuko], "4");
}
END_TEST

START_TEST(lengths_and_holds) {
    auto u = pair_unit();
    u.results[0].insurer_name = std::string(200, 'A');  // 200 ASCII -> 200 全角 -> 400 bytes
    UnitMatch m;
    m.results = {{1, 1, false}, {1, 1, false}};
    auto rows = map_star(header(), u, m, "", ctx());
    const auto cut = fit_to_orca(rows[0]);
    ck_assert_uint_eq(cut.size(), 1);
    ASSERT_STR(cut[0], "hknjanum_name");
    ck_assert_uint_eq(text::euc_jp_bytes(rows[0][Col::hknjanum_name]), 128);
    ck_assert(!hold_reason(rows).has_value());
    // JIS-mapping forms from OQS become PostgreSQL's forms, not holds.
    u.results[0].address = "東京都港区1\u22122\u301C3";
    auto variant = map_star(header(), u, m, "", ctx());
    fit_to_orca(variant[0]);
    ASSERT_STR(variant[0][Col::res_adrs], "東京都港区１\uFF0D２\uFF5E３");
    ck_assert(!hold_reason(variant).has_value());
    u.results[0].name = "髙橋 一郎";
    auto held = map_star(header(), u, m, "", ctx());
    const auto why = hold_reason(held);
    ck_assert(why.has_value());
    ck_assert_msg(why->find("res_name") != std::string::npos, "%s", why->c_str());
    // The rows' text made into EUC-JP: the 外字 one does not convert, the ● one does (A1FC) and is
    // still held when the caller says there is no 外字 (Gaiji::absent).
    auto converts = [](const std::vector<KakuRow>& rows) {
        std::string euc;
        for (const auto& row : rows)
            for (std::size_t i = 0; i < kColumnCount; ++i)
                if (!text::append_euc_jp(euc, row.at(i))) return false;
        return true;
    };
    ck_assert(!converts(held));
    u.results[0].name = "●橋 一郎";
    auto circled = map_star(header(), u, m, "", ctx());
    ck_assert(hold_reason(circled).has_value());
    for (auto& row : circled) fit_to_orca(row);
    ck_assert(converts(circled));
    const auto circle = hold_reason(circled, Gaiji::absent);
    ck_assert(circle.has_value());
    ck_assert_msg(circle->find("●") != std::string::npos, "%s", circle->c_str());
    ck_assert(!hold_reason(variant, Gaiji::absent).has_value());
}
END_TEST

START_TEST(p031_cells_like_orca) {
    P031Source r;
    r.shokai_kbn = "1";
    r.ope_douiflg = "0";
    r.shinryo_douiflg = "1";
    r.yakuzai_douiflg = "2";
    r.shori_time = "20251121103612";
    r.ptid = 10;
    r.ptnum = "00010";
    r.res_name = "資格\u3000一郎";
    r.res_sex1 = "1";
    r.res_birthday = "19600602";
    r.res_kigo = "１０";
    r.res_num = "１６１９";
    r.res_honkzkkbn = "1";
    r.ftnrate = "030";
    r.sikaku_yuko = "1";
    const auto c = p031_cells(r, 1, "20240830");
    ck_assert_uint_eq(c.size(), p031_titles().size());
    ASSERT_STR(c[1], "★");
    ASSERT_STR(c[2], "無");
    ASSERT_STR(c[3], "有");
    ASSERT_STR(c[4], "");
    ASSERT_STR(c[8], "10:36");
    ASSERT_STR(c[9], "00010");
    ASSERT_STR(c[12], "男");
    ASSERT_STR(c[13], "S35.6.2");
    ASSERT_STR(c[14], "64才");
    ASSERT_STR(c[16], "１０・１６１９");
    ASSERT_STR(c[18], "本");
    ASSERT_STR(c[19], "30");
    ASSERT_STR(c[20], "有効");
    r.elder_skkgetymd = "20240101";
    r.elder_ftnrate = "020";
    ASSERT_STR(p031_cells(r, 1000, "20240830")[19], "20");
    ASSERT_STR(p031_cells(r, 1000, "20240830")[0], "1");   // 番号 wraps at 999
    r.ptnum.clear();
    ASSERT_STR(p031_cells(r, 1, "20240830")[9], "******");
    r.mod_flg = "1";
    ASSERT_STR(p031_mark(r), "★済");
    r.lock_kbn = "1";
    ASSERT_STR(p031_mark(r), "★他");
    P031Source a1;
    a1.card_class = "A1";
    a1.res_birthday = "19000101";
    ASSERT_STR(p031_cells(a1, 1, "20240830")[13], "*");
}
END_TEST

START_TEST(p031_paging) {
    // 50 rows a page; an empty list is still page 1 of 1.
    auto p = p031_page(0, 1);
    ck_assert_int_eq(p.pages, 1);
    ck_assert_uint_eq(p.first, 0);
    ck_assert_uint_eq(p.count, 0);
    p = p031_page(50, 1);
    ck_assert_int_eq(p.pages, 1);
    ck_assert_uint_eq(p.count, 50);
    p = p031_page(51, 2);
    ck_assert_int_eq(p.pages, 2);
    ck_assert_uint_eq(p.first, 50);
    ck_assert_uint_eq(p.count, 1);
    p = p031_page(127, 3);
    ck_assert_int_eq(p.pages, 3);
    ck_assert_int_eq(p.page, 3);
    ck_assert_uint_eq(p.first, 100);
    ck_assert_uint_eq(p.count, 27);
    p = p031_page(127, 4);  // past the end: nothing (the CLI refuses it)
    ck_assert_int_gt(p.page, p.pages);
    ck_assert_uint_eq(p.count, 0);
    // 番号 is the running count over pages: row 1000 (page 20) shows 1 again.
    P031Source r;
    ASSERT_STR(p031_cells(r, static_cast<int>(p031_page(1000, 20).first) + 50, "20251121")[0], "1");
    ASSERT_STR(p031_cells(r, static_cast<int>(p031_page(1000, 2).first) + 1, "20251121")[0], "51");
}
END_TEST

START_TEST(p031_honke_rule) {
    P031Source r;
    r.shokai_kbn = "1";
    r.sikaku_yuko = "1";
    r.ptid = 10;
    r.res_honkzkkbn = "2";
    r.registered = true;
    r.reg_honkzkkbn = "1";
    ck_assert(p031_honke_differs(r));
    ASSERT_STR(p031_cells(r, 1, "20251121").back(), "本家");
    ASSERT_STR(std::string(p031_titles().back()), "相違");
    r.reg_honkzkkbn = "2";  // the same
    ck_assert(!p031_honke_differs(r));
    ASSERT_STR(p031_cells(r, 1, "20251121").back(), "");
    r.reg_honkzkkbn = "";   // registered with a blank 本家 differs from 家
    ck_assert(p031_honke_differs(r));
    r.reg_honkzkkbn = "1";
    auto off = [&](auto change) { P031Source x = r; change(x); return !p031_honke_differs(x); };
    ck_assert(off([](P031Source& x) { x.registered = false; }));       // no matching registered insurance
    ck_assert(off([](P031Source& x) { x.sikaku_yuko = "2"; }));        // only 有効 rows
    ck_assert(off([](P031Source& x) { x.ptid = 0; }));                 // patient not resolved
    ck_assert(off([](P031Source& x) { x.res_honkzkkbn = ""; }));       // OQS gave no 本家
    ck_assert(off([](P031Source& x) { x.res_honkzkkbn = "3"; }));
    ck_assert(off([](P031Source& x) { x.shokai_kbn = "9"; }));         // 公費 rows are not checked
    ck_assert(off([](P031Source& x) { x.orca_shokai_kbn = "1"; }));    // 予約照会
    ck_assert(off([](P031Source& x) { x.shokai_kbn = ""; }));          // blank shokai, not 訪/オ
    auto on = [&](auto change) { P031Source x = r; change(x); return p031_honke_differs(x); };
    ck_assert(on([](P031Source& x) { x.shokai_kbn = "2"; }));
    ck_assert(on([](P031Source& x) { x.shokai_kbn = ""; x.onshinryo_kbn = "2"; }));  // 訪
    ck_assert(on([](P031Source& x) { x.shokai_kbn = ""; x.onshinryo_kbn = "3"; }));  // オ
    // 負担割 never takes part.
    ck_assert(off([](P031Source& x) { x.res_honkzkkbn = "1"; x.ftnrate = "030"; }));
}
END_TEST

START_TEST(p031_cross_only_alone) {
    P031Source r;
    r.shokai_kbn = "1";
    ASSERT_STR(p031_mark(r), "★");
    r.scr_dltflg = "1";
    ASSERT_STR(p031_mark(r), "★×");
    r.mod_flg = "1";
    ASSERT_STR(p031_mark(r), "★済");   // 済 wins over ×
    r.lock_kbn = "1";
    ASSERT_STR(p031_mark(r), "★他");   // 他 overrides 済
    r.mod_flg.clear();
    ASSERT_STR(p031_mark(r), "★他");
    r.lock_kbn.clear();
    r.scr_dltflg = "2";                // only '1' is deleted
    ASSERT_STR(p031_mark(r), "★");
    P031Source c;
    c.onshinryo_kbn = "2";
    ASSERT_STR(p031_mark(c), "訪");
    c.scr_dltflg = "1";
    ASSERT_STR(p031_mark(c), "訪×");
    c.onshinryo_kbn = "3";
    c.scr_dltflg.clear();
    c.mod_flg = "1";
    ASSERT_STR(p031_mark(c), "オ済");
}
END_TEST

START_TEST(consent_recipe) {
    auto h = header();
    h.character_code_identifier = "0";
    auto u = pair_unit();
    u.results[1].medical_tickets.push_back({"01", "20251101", "20251130", "ＡＢ123", "202511", "", "", "", "", "", "", "02", "0", "", "", ""});
    u.results[1].medical_tickets.push_back({"02", "", "", "X9", "202511", "", "", "", "", "", "", "04", "0", "", "", ""});  // 調剤券: no row
    u.results[0].consent_date_from = "20251101";
    u.results[0].consent_date_to = "20260131";
    UnitMatch m;
    m.results = {{1010, 1010, false}, {1010, 0, false}};
    const auto c = map_consent(h, u, m, "2", ctx());
    ck_assert_uint_eq(c.kaku.size(), 2);
    const auto& ins = c.kaku[0];
    const auto& a1 = c.kaku[1];
    for (const auto* r : {&ins, &a1}) {
        ASSERT_STR((*r)[Col::shokai_kbn], "");
        ASSERT_STR((*r)[Col::process_class], "2");
        ASSERT_STR((*r)[Col::onshinryo_kbn], "2");
        ASSERT_STR((*r)[Col::kakuninymd], "20251121");        // ProcessExecutionTime(1:8)
        ASSERT_STR((*r)[Col::kaku_kakuninymd], "20251121");
        ASSERT_STR((*r)[Col::kaku_kakuninhms], "091500");
        ASSERT_STR((*r)[Col::set_ptid], "1");
        ASSERT_STR((*r)[Col::code_type], "0");                // CharacterCodeIdentifier
        ASSERT_STR((*r)[Col::sikibetu], "ORCA-ONSHI-1-7");     // the header ArbitraryFileIdentifier
        ASSERT_STR((*r)[Col::file_sikibetu], "ORCA-ONSHI-1-7");
        ASSERT_STR((*r)[Col::shokai_num], "00010");           // as received
        ASSERT_STR((*r)[Col::opid], "");
        ASSERT_STR((*r)[Col::termid], "");
        ASSERT_STR((*r)[Col::join_skkgetymd], "");
        ASSERT_STR((*r)[Col::shou_endflg], "");
        ASSERT_STR((*r)[Col::fujyo_uuid], ins[Col::fujyo_uuid]);
    }
    ck_assert(!ins[Col::fujyo_uuid].empty());
    ASSERT_STR(a1[Col::kouhi_uuid], ins[Col::tbl_uuid]);
    ASSERT_STR(ins[Col::tekstymd], "");
    ASSERT_STR(a1[Col::koh_tekstymd1], "20240401");
    ASSERT_STR(a1[Col::tekstymd], "");
    // Details on both rows in the consent batch (from each row's own result).
    ASSERT_STR(ins[Col::ftnrate], "030");
    ASSERT_STR(ins[Col::sikkan_sipkbn1], "2");
    // One tbl_onshi_houmon record: the 保険 row's (not the A1 row of a 2-result person).
    ck_assert_uint_eq(c.houmon.size(), 1);
    ASSERT_STR(c.houmon[0].tbl_uuid, ins[Col::tbl_uuid]);
    ASSERT_STR(c.houmon[0].kigo, "１０");
    ASSERT_STR(c.houmon[0].doui_startymd, "20251101");
    ASSERT_STR(c.houmon[0].doui_endymd, "20260131");
    ASSERT_STR(c.houmon[0].onshinryo_kbn, "2");
    // One 医療券 row (TicketType 01, 入院外), IssueNumber in half width.
    ck_assert_uint_eq(c.aid.size(), 1);
    ASSERT_STR(c.aid[0].kofunum, "AB123");
    ASSERT_STR(c.aid[0].fujyo_uuid, ins[Col::fujyo_uuid]);
    ck_assert_int_eq(c.aid[0].rennum, 1);
    // Disagreeing patients: ORCAE01 with the looked-up ptid.
    UnitMatch bad;
    bad.results = {{0, 1010, false}, {0, 2020, false}};
    const auto b = map_consent(h, u, bad, "3", ctx());
    ASSERT_STR(b.kaku[1][Col::err_code], "ORCAE01");
    ASSERT_STR(b.kaku[1][Col::err_msg], "患者ＩＤが一致しません。（0000002020）");
    ASSERT_STR(b.kaku[0][Col::onshinryo_kbn], "3");
}
END_TEST

START_TEST(flag_reasons) {
    BulkConfirmUnit u = pair_unit();
    UnitMatch m;
    m.results = {{5, 5, false}, {5, 5, false}};
    ASSERT_STR(flag_reason(u, m), "");
    m.results = {{0, 0, false}, {0, 0, false}};
    ck_assert(flag_reason(u, m).find("見つかりません") != std::string::npos);
    m.ambiguous = true;
    ck_assert(flag_reason(u, m).find("2人以上") != std::string::npos);
    m.conflict = true;
    ck_assert(flag_reason(u, m).find("別の患者") != std::string::npos);
    u.qualification_validity = "4";
    ck_assert(flag_reason(u, m).find("該当資格なし") != std::string::npos);
    u.processing_result_status = "2";
    ck_assert(flag_reason(u, m).starts_with("処理エラー"));
}
END_TEST

START_TEST(consent_rows_fit_orca) {
    // The consent rows' text in the form ORCA's database takes (U+2212 as A1DD's U+FF0D, NFD composed),
    // and a character it cannot hold at all makes the unit held, naming the column.
    std::vector<HoumonRow> h(1);
    std::vector<AidRow> a(1);
    h[0].kigo = "\uFF11\u2212\uFF12";
    h[0].num = "\u304B\u3099";
    a[0].kofunum = "12-3";
    ck_assert(!fit_consent_to_orca(h, a));
    ASSERT_STR(h[0].kigo, "\uFF11\uFF0D\uFF12");
    ASSERT_STR(h[0].num, "\u304C");
    ASSERT_STR(a[0].kofunum, "12-3");
    h[0].edaban = "\U00020BB7";
    const auto why = fit_consent_to_orca(h, a);
    ck_assert(why.has_value());
    ck_assert_msg(why->starts_with("tbl_onshi_houmon.edaban: "), "%s", why->c_str());
    h[0].edaban.clear();
    a[0].jkysnum = "\uE000";
    const auto why2 = fit_consent_to_orca(h, a);
    ck_assert(why2.has_value());
    ck_assert_msg(why2->starts_with("tbl_onshi_aidlst.jkysnum: "), "%s", why2->c_str());
}
END_TEST

Suite* star_suite() {
    Suite* s = suite_create("star");
    TCase* t = tcase_create("core");
    tcase_add_test(t, star_pair_rows);
    tcase_add_test(t, consent_recipe);
    tcase_add_test(t, flag_reasons);
    tcase_add_test(t, star_conflict_error_code);
    tcase_add_test(t, star_kakuninymd_fallback_and_empty_unit);
    tcase_add_test(t, lengths_and_holds);
    tcase_add_test(t, consent_rows_fit_orca);
    tcase_add_test(t, p031_cells_like_orca);
    suite_add_tcase(s, t);
    TCase* p = tcase_create("p031");
    tcase_add_test(p, p031_paging);
    tcase_add_test(p, p031_honke_rule);
    tcase_add_test(p, p031_cross_only_alone);
    suite_add_tcase(s, p);
    return s;
}

UNIT_SUITE(star_suite);
