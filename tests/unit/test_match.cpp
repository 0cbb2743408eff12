#include "core/text.hpp"
#include "p031_bridge/match.hpp"
#include "unit.hpp"

using namespace onshi;
using namespace onshi::bridge;

namespace {

QualificationResult insurance(const char* hknjanum, const char* kigo, const char* num, const char* branch) {
    QualificationResult r;
    r.insured_card_classification = "01";
    r.insurer_number = hknjanum;
    r.insured_card_symbol = kigo;
    r.insured_identification_number = num;
    r.insured_branch_number = branch;
    return r;
}

QualificationResult welfare(const char* ftnjanum, const char* jkysnum) {
    QualificationResult r;
    r.insured_card_classification = "A1";
    r.insurer_number = ftnjanum;
    r.insured_identification_number = jkysnum;
    return r;
}

void add_ins(Lookups& l, const char* h, const char* k, const char* n, InsuranceCandidate c) {
    l.by_insurance[insurance_key(h, text::to_zenkaku(k), text::to_zenkaku(n))].push_back(std::move(c));
}

}  // namespace

START_TEST(reference_number_first) {
    Lookups l;
    l.by_ptnum["00010"] = Patient{1010, "00010", false};
    add_ins(l, "06140248", "10", "123", {2020, "006", "", "01", false});  // the key points elsewhere
    BulkConfirmUnit u;
    u.reference_number = "00010";
    u.results.push_back(insurance("06140248", "10", "123", "01"));
    const auto m = resolve(u, l);
    ck_assert_int_eq(m.results[0].ptid, 1010);
    ck_assert(m.how == How::reference_number);
}
END_TEST

START_TEST(test_patient_never_linked) {
    Lookups l;
    l.by_ptnum["00011"] = Patient{1011, "00011", true};
    add_ins(l, "06140248", "10", "123", {1011, "006", "", "01", true});
    BulkConfirmUnit u;
    u.reference_number = "00011";
    u.results.push_back(insurance("06140248", "10", "123", "01"));
    const auto m = resolve(u, l);
    ck_assert_int_eq(m.results[0].ptid, 0);
    ck_assert(m.how == How::none);
}
END_TEST

START_TEST(insurance_key_and_branch_rules) {
    Lookups l;
    add_ins(l, "138057", "", "4567", {3001, "060", "", "02", false});
    add_ins(l, "39131019", "", "00112233", {3002, "039", "", "", false});  // 後期高齢 registered without 枝番
    add_ins(l, "06140248", "10", "999", {3003, "006", "", "", false});     // 社保 without 枝番
    BulkConfirmUnit a;
    a.results.push_back(insurance("00138057", "", "4567", "02"));  // zero-padded 国保 number, same 枝番
    ck_assert_int_eq(resolve(a, l).results[0].ptid, 3001);
    BulkConfirmUnit b;
    b.results.push_back(insurance("138057", "", "4567", "01"));    // other 枝番: a different person
    ck_assert_int_eq(resolve(b, l).results[0].ptid, 0);
    BulkConfirmUnit c;
    c.results.push_back(insurance("39131019", "", "00112233", "01"));
    ck_assert_int_eq(resolve(c, l).results[0].ptid, 3002);         // 後期高齢: blank ORCA 枝番 matches
    BulkConfirmUnit d;
    d.results.push_back(insurance("06140248", "10", "999", "01"));
    ck_assert_int_eq(resolve(d, l).results[0].ptid, 0);            // not for 社保
    BulkConfirmUnit e;
    e.results.push_back(insurance("06140248", "１０", "９９９", ""));  // full-width input, blank branch
    ck_assert_int_eq(resolve(e, l).results[0].ptid, 3003);
}
END_TEST

START_TEST(ambiguous_is_never_guessed) {
    Lookups l;
    add_ins(l, "138057", "", "4567", {3001, "060", "", "02", false});
    add_ins(l, "138057", "", "4567", {3009, "060", "", "02", false});
    BulkConfirmUnit u;
    u.results.push_back(insurance("138057", "", "4567", "02"));
    const auto m = resolve(u, l);
    ck_assert_int_eq(m.results[0].ptid, 0);
    ck_assert(m.ambiguous);
}
END_TEST

START_TEST(hojo_exclusion) {
    Lookups l;
    add_ins(l, "138057", "", "1", {4001, "031", "A", "", false});
    BulkConfirmUnit u;
    u.results.push_back(insurance("138057", "", "1", ""));
    ck_assert_int_eq(resolve(u, l).results[0].ptid, 0);
}
END_TEST

START_TEST(welfare_pairing) {
    Lookups l;
    add_ins(l, "138057", "", "4567", {5001, "060", "", "02", false});
    l.by_kohi[kohi_key("12130018", "1234567")].push_back({5001, false});
    l.by_kohi[kohi_key("12130018", "7654321")].push_back({5002, false});
    {   // 保険 and A1 agree
        BulkConfirmUnit u;
        u.results = {insurance("138057", "", "4567", "02"), welfare("12130018", "1234567")};
        const auto m = resolve(u, l);
        ck_assert_int_eq(m.results[0].ptid, 5001);
        ck_assert_int_eq(m.results[1].ptid, 5001);
        ck_assert(!m.conflict);
    }
    {   // A1 finds nobody: it takes the 保険 patient
        BulkConfirmUnit u;
        u.results = {insurance("138057", "", "4567", "02"), welfare("12130018", "0000000")};
        const auto m = resolve(u, l);
        ck_assert_int_eq(m.results[1].ptid, 5001);
        ck_assert_int_eq(m.results[1].looked_up, 0);
    }
    {   // they disagree: nobody is linked
        BulkConfirmUnit u;
        u.results = {insurance("138057", "", "4567", "02"), welfare("12130018", "7654321")};
        const auto m = resolve(u, l);
        ck_assert_int_eq(m.results[0].ptid, 0);
        ck_assert_int_eq(m.results[1].ptid, 0);
        ck_assert_int_eq(m.results[1].looked_up, 5002);
        ck_assert(m.conflict);
    }
    {   // A1 only
        BulkConfirmUnit u;
        u.results = {welfare("12130018", "7654321")};
        const auto m = resolve(u, l);
        ck_assert_int_eq(m.results[0].ptid, 5002);
        ck_assert(m.how == How::kohi);
    }
    {   // 保険 unmatched: every row 0 even though A1 found someone
        BulkConfirmUnit u;
        u.results = {insurance("999999", "", "1", ""), welfare("12130018", "7654321")};
        const auto m = resolve(u, l);
        ck_assert_int_eq(m.results[1].ptid, 0);
    }
}
END_TEST

START_TEST(normalisers) {
    ASSERT_STR(normalize_insurer_number("00138057"), "138057");
    ASSERT_STR(normalize_insurer_number(" 138057 "), "138057");
    ASSERT_STR(normalize_insurer_number("06140248"), "06140248");
    ASSERT_STR(normalize_ptnum("０００１０"), "00010");
    ASSERT_STR(normalize_ptnum(" 12 "), "12");
}
END_TEST

START_TEST(basic4_candidates_name_birth_sex) {
    const std::vector<PtinfRow> rows{
        {"00001", "資格　花子", "19800102", "2", false},
        {"00002", "資格 花子", "19800102", "2", false},     // 半角 space: same name
        {"00003", "資格花子", "19800102", "1", false},      // other sex
        {"00004", "資格花子", "19800103", "2", false},      // other birthday
        {"00005", "資格　花子", "19800102", "2", true},     // test patient: never offered
        {"00006", "資格　花男", "19800102", "2", false},    // other name
        {"00007", "ｼｶｸ ﾊﾅｺ", "19800102", "2", false},       // not the kanji name
    };
    ck_assert(normalize_person_name("資格 花子") == "資格花子");
    ck_assert(normalize_person_name(" 資格　花子　") == "資格花子");
    auto c = basic4_candidates("資格　花子", "19800102", "2", rows);
    ck_assert_uint_eq(c.size(), 2);
    ck_assert_str_eq(c[0].ptnum.c_str(), "00001");
    ck_assert_str_eq(c[1].ptnum.c_str(), "00002");
    ck_assert_uint_eq(basic4_candidates("資格花子", "19800102", "1", rows).size(), 1);
    ck_assert_uint_eq(basic4_candidates("", "19800102", "2", rows).size(), 0);
    ck_assert_uint_eq(basic4_candidates("資格　花子", "", "2", rows).size(), 0);
    ck_assert_uint_eq(basic4_candidates("別人　太郎", "19800102", "2", rows).size(), 0);
}
END_TEST

Suite* match_suite() {
    Suite* s = suite_create("match");
    TCase* t = tcase_create("core");
    tcase_add_test(t, reference_number_first);
    tcase_add_test(t, test_patient_never_linked);
    tcase_add_test(t, insurance_key_and_branch_rules);
    tcase_add_test(t, ambiguous_is_never_guessed);
    tcase_add_test(t, hojo_exclusion);
    tcase_add_test(t, welfare_pairing);
    tcase_add_test(t, normalisers);
    tcase_add_test(t, basic4_candidates_name_birth_sex);
    suite_add_tcase(s, t);
    return s;
}

UNIT_SUITE(match_suite);
