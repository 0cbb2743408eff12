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
    u.results[0].name = "●橋 一郎";
    ck_assert(hold_reason(map_star(header(), u, m, "", ctx())).has_value());
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

Suite* star_suite() {
    Suite* s = suite_create("star");
    TCase* t = tcase_create("core");
    tcase_add_test(t, star_pair_rows);
    tcase_add_test(t, star_conflict_error_code);
    tcase_add_test(t, star_kakuninymd_fallback_and_empty_unit);
    tcase_add_test(t, lengths_and_holds);
    tcase_add_test(t, p031_cells_like_orca);
    suite_add_tcase(s, t);
    return s;
}
