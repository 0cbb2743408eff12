// The pure job model (module/jobs/model.*): the kind table, state and style text, the Params field
// table (its keys, its round trip, the field each refusal names), file names and the step decisions.
#include "unit.hpp"

#include "core/error.hpp"
#include "jobs/model.hpp"

#include <functional>
#include <set>
#include <utility>

using namespace onshi;
using jobs::Kind;
using jobs::State;
using jobs::Style;

namespace {

constexpr Kind kAllKindValues[] = {Kind::homecare, Kind::nursing,       Kind::online,   Kind::welfare,    Kind::validity,
                                   Kind::register_refs, Kind::pdf_drug, Kind::pdf_checkup, Kind::card};
constexpr State kAllStates[] = {State::queued, State::requested, State::received, State::polling,
                                State::done,   State::failed,    State::expired,  State::cancelled};

// The code, message and field of the Error f throws ({internal, "", ""} when it throws none).
struct Thrown {
    Errc code = Errc::internal;
    std::string what, field;
    bool any = false;
};
Thrown thrown(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return {e.code(), e.what(), e.field(), true};
    }
    return {};
}

jobs::Params consent(const std::string& from, const std::string& to) {
    jobs::Params p;
    p.consent_from = from;
    p.consent_to = to;
    return p;
}

}  // namespace

START_TEST(kind_table) {
    std::set<std::string_view> names;
    for (const Kind k : kAllKindValues) {
        const auto& info = jobs::kind_info(k);
        ck_assert(info.kind == k);  // the row of a kind is that kind's
        ck_assert(jobs::parse_kind(jobs::to_text(k)) == k);
        ck_assert(names.insert(info.name).second);
        ck_assert(!info.prefix.empty() && !info.label.empty());
    }
    ASSERT_STR(jobs::kind_names(), "homecare, nursing, online, welfare, validity, register_refs, pdf_drug, pdf_checkup, card");
    ASSERT_STR(std::string(jobs::kind_info(Kind::online).prefix), "OQSmuonq");
    ASSERT_STR(std::string(jobs::kind_info(Kind::online).treatment_flag), "3");
    ck_assert(jobs::kind_info(Kind::card).single_phase && !jobs::kind_info(Kind::homecare).single_phase);
    ck_assert(jobs::kind_info(Kind::pdf_drug).output == jobs::Output::pdf);
    ck_assert(jobs::kind_info(Kind::register_refs).output == jobs::Output::references);

    const auto t = thrown([] { jobs::parse_kind("no_such_kind"); });
    ck_assert(t.any && t.code == Errc::usage);
    ASSERT_STR(t.what, "unknown kind 'no_such_kind' (available: " + jobs::kind_names() + ")");
    ASSERT_STR(t.field, "kind");
    ck_assert(!jobs::kind_from_text("") && !jobs::kind_from_text("Homecare"));

    // A result file's kind by its prefix, any case, in a folder or not; 訪問看護 shares 訪問診療's.
    ck_assert(jobs::kind_of_file_name("/srv/res/OQSmuhvq02res_H01J00000012P001.zip") == Kind::homecare);
    ck_assert(jobs::kind_of_file_name("oqsmuonq01res_x.xml") == Kind::online);
    ck_assert(jobs::kind_of_file_name("YZKsiquc01res_H01J00000003.pdf") == Kind::pdf_drug);
    ck_assert(!jobs::kind_of_file_name("/srv/OQSmuhvq/result.xml"));  // the folder's name says nothing
    ck_assert(!jobs::kind_of_file_name("OQSmu"));
    ck_assert(jobs::is_consent_kind(Kind::nursing) && !jobs::is_consent_kind(Kind::welfare));
}
END_TEST

START_TEST(state_and_style_text) {
    std::set<std::string_view> texts;
    for (const State s : kAllStates) {
        ck_assert(jobs::state_from_text(jobs::to_text(s)) == s);
        ck_assert(texts.insert(jobs::to_text(s)).second);
    }
    ASSERT_STR(std::string(jobs::to_text(State::polling)), "polling");
    const auto t = thrown([] { jobs::state_from_text("running"); });
    ck_assert(t.any && t.code == Errc::internal);
    // The finished set, and the SQL made from it.
    std::string finished;
    for (const State s : kAllStates)
        if (jobs::is_final(s)) finished += std::string(finished.empty() ? "" : " ") + std::string(jobs::to_text(s));
    ASSERT_STR(finished, "done failed expired cancelled");
    ASSERT_STR(jobs::final_states_sql(), "('done','failed','expired','cancelled')");
    jobs::Job j;
    j.state = State::polling;
    ck_assert(!j.finished());
    j.state = State::expired;
    ck_assert(j.finished());

    for (const Style s : {Style::facility, Style::star, Style::consent}) ck_assert(jobs::style_from_text(jobs::to_text(s)) == s);
    ASSERT_STR(std::string(jobs::to_text(Style::facility)), "");
    ck_assert(thrown([] { jobs::style_from_text("bold"); }).code == Errc::internal);
    // The configuration's parse (p031_mark) reads the same table and says nothing for other text.
    ck_assert(onshi::parse_style("consent") == Style::consent);
    ck_assert(onshi::parse_style("star") == Style::star);
    ck_assert(onshi::parse_style("") == Style::facility);  // the configuration refuses this one itself
    ck_assert(!onshi::parse_style("bold").has_value());
    ck_assert(!onshi::parse_style("Star").has_value());
    // The row style: consent only for the consent kinds of a consent job or facility.
    j.kind = Kind::homecare;
    j.style = Style::facility;
    ck_assert(jobs::row_style(j, Style::star) == Style::star);
    ck_assert(jobs::row_style(j, Style::consent) == Style::consent);
    j.style = Style::consent;
    ck_assert(jobs::row_style(j, Style::star) == Style::consent);
    j.kind = Kind::welfare;
    ck_assert(jobs::row_style(j, Style::consent) == Style::star);
}
END_TEST

START_TEST(params_field_table) {
    const auto& fields = jobs::param_fields();
    // Every member once, every key once; the keys are the jsonb keys jobs were stored with.
    std::set<std::string_view> keys;
    jobs::Params probe;
    std::set<const std::string*> members;
    for (const auto& f : fields) {
        ck_assert(keys.insert(f.key).second);
        ck_assert(members.insert(&(probe.*f.member)).second);
    }
    ck_assert_int_eq(static_cast<int>(members.size()), static_cast<int>(sizeof(jobs::Params) / sizeof(std::string)));
    std::string all;
    for (const auto& f : fields) all += std::string(all.empty() ? "" : ",") + std::string(f.key);
    ASSERT_STR(all, "consent_from,consent_to,exam_from,exam_to,month,ptnum,seen_since,card");

    // Round trip through the table (as the jsonb is written and read): key -> value -> Params.
    jobs::Params p;
    int n = 0;
    for (const auto& f : fields) p.*f.member = "v" + std::to_string(n++);
    std::vector<std::pair<std::string, std::string>> stored;
    for (const auto& f : fields) stored.emplace_back(std::string(f.key), p.*f.member);
    jobs::Params back;
    for (const auto& [key, value] : stored)
        for (const auto& f : fields)
            if (f.key == key) back.*f.member = value;
    ck_assert(back == p);
    ASSERT_STR(p.ptnum, "v5");
    ASSERT_STR(p.card, "v7");
}
END_TEST

START_TEST(params_label) {
    ASSERT_STR(consent("20251021", "20251121").label(), "同意 20251021-20251121");
    jobs::Params p;
    ASSERT_STR(p.label(), "");
    p.seen_since = "20250401";
    ASSERT_STR(p.label(), "受診 20250401-");
    p.ptnum = "123";
    ASSERT_STR(p.label(), "患者 123");
    p.month = "202511";
    ASSERT_STR(p.label(), "診療年月 202511");
    p.exam_from = "20251101";
    p.exam_to = "20251130";
    ASSERT_STR(p.label(), "診療 20251101-20251130");
    jobs::Params c;
    c.card = "x=1";
    ASSERT_STR(c.label(), "マイナ保険証");
}
END_TEST

// Each refusal names the field it is about (the key of the field table), "" for the whole request.
START_TEST(params_refusal_fields) {
    const auto field = [](const jobs::Params& p, Kind k) {
        const auto t = thrown([&] { p.validate(k); });
        ck_assert_msg(t.any && t.code == Errc::usage, "%s accepted", p.label().c_str());
        return t.field;
    };
    ASSERT_STR(field(consent("20250229", "20250301"), Kind::homecare), "consent_from");
    ASSERT_STR(field(consent("20251021", "20251131"), Kind::homecare), "consent_to");
    ASSERT_STR(field(consent("20251021", ""), Kind::homecare), "consent_to");
    ASSERT_STR(field(consent("20251122", "20251121"), Kind::homecare), "consent_from");
    ASSERT_STR(field(jobs::Params{}, Kind::homecare), "");
    jobs::Params m;
    m.month = "202513";
    ASSERT_STR(field(m, Kind::welfare), "month");
    ASSERT_STR(field(jobs::Params{}, Kind::welfare), "month");
    ASSERT_STR(field(jobs::Params{}, Kind::pdf_checkup), "ptnum");
    jobs::Params e;
    e.exam_from = e.exam_to = "20251120";
    ASSERT_STR(field(e, Kind::validity), "exam_from");
    jobs::Params c = consent("20251021", "20251121");
    c.card = "x";
    ASSERT_STR(field(c, Kind::homecare), "card");
    ASSERT_STR(field(jobs::Params{}, Kind::card), "card");
    jobs::Params s;
    s.seen_since = "2025";
    ASSERT_STR(field(s, Kind::validity), "seen_since");
    ck_assert(!thrown([] { jobs::Params{}.validate(Kind::validity); }).any);
}
END_TEST

// The bulk tool's defaults, from the field table: each from what was given, what was given kept.
START_TEST(params_defaults_table) {
    jobs::Params n;
    n.apply_defaults(Kind::nursing, "20250331");
    ASSERT_STR(n.label(), "同意 20250228-20250331");
    jobs::Params to_given;  // an end given: one month back from it
    to_given.consent_to = "20251115";
    to_given.apply_defaults(Kind::homecare, "20251121");
    ASSERT_STR(to_given.label(), "同意 20251015-20251115");
    jobs::Params online;  // no examination range: a consent range
    online.apply_defaults(Kind::online, "20251121");
    ASSERT_STR(online.label(), "同意 20251021-20251121");
    jobs::Params exam;  // a start only: to the month's end, no consent range
    exam.exam_from = "20240210";
    exam.apply_defaults(Kind::online, "20251121");
    ASSERT_STR(exam.label(), "診療 20240210-20240229");
    ck_assert(exam.consent_from.empty() && exam.consent_to.empty());
    jobs::Params kept;
    kept.month = "202401";
    kept.apply_defaults(Kind::welfare, "20251121");
    ASSERT_STR(kept.month, "202401");
    for (const Kind k : {Kind::validity, Kind::register_refs, Kind::pdf_drug, Kind::card, Kind::welfare}) {
        jobs::Params none;
        none.apply_defaults(k, "20251121");
        ck_assert(none.consent_from.empty() && none.consent_to.empty() && none.exam_from.empty() && none.exam_to.empty());
        ck_assert(none.ptnum.empty() && none.seen_since.empty() && none.card.empty());
        ck_assert(none.month.empty() == (k != Kind::welfare));
    }
}
END_TEST

START_TEST(file_names) {
    jobs::Job j;
    j.hospnum = 1;
    j.id = 12;
    ASSERT_STR(jobs::request1_name(j), "OQSmuhvq01req_H01J00000012.xml");
    ASSERT_STR(jobs::result1_stem(j), "OQSmuhvq01res_H01J00000012");
    ASSERT_STR(jobs::request2_name(j, 1), "OQSmuhvq02req_H01J00000012P001.xml");
    ASSERT_STR(jobs::result2_stem(j, 14), "OQSmuhvq02res_H01J00000012P014");
    j.kind = Kind::validity;
    j.hospnum = 3;
    j.id = 123456789;
    ASSERT_STR(jobs::request1_name(j), "OQSmuquc01req_H03J123456789.xml");
}
END_TEST

START_TEST(step_decisions) {
    // Waiting for an answer: the poll interval, then a quarter of the time waited, at most 10 s.
    ck_assert_int_eq(jobs::waiting_ms(2000, 0), 2000);
    ck_assert_int_eq(jobs::waiting_ms(2000, 7.9), 2000);
    ck_assert_int_eq(jobs::waiting_ms(2000, 20), 5000);
    ck_assert_int_eq(jobs::waiting_ms(2000, 3600), 10000);
    ck_assert_int_eq(jobs::waiting_ms(15000, 3600), 15000);  // never below the poll interval
    // After a 処理中: the poll interval doubling with each 02req, at most 30 s.
    ck_assert_int_eq(jobs::backoff_ms(2000, 0), 2000);
    ck_assert_int_eq(jobs::backoff_ms(2000, 1), 2000);
    ck_assert_int_eq(jobs::backoff_ms(2000, 2), 4000);
    ck_assert_int_eq(jobs::backoff_ms(2000, 4), 16000);
    ck_assert_int_eq(jobs::backoff_ms(2000, 5), 30000);
    ck_assert_int_eq(jobs::backoff_ms(2000, 500), 30000);
    ck_assert_int_eq(jobs::backoff_ms(100, 3), 400);
    // Never past the deadline of an answer awaited (+50 ms, so the step that ends it finds it over).
    ck_assert_int_eq(jobs::clamp_to_deadline(10000, 600, 595.0), 5050);
    ck_assert_int_eq(jobs::clamp_to_deadline(10000, 600, 10.0), 10000);
    ck_assert_int_eq(jobs::clamp_to_deadline(10000, 600, 700.0), 0);
    ck_assert_int_eq(jobs::clamp_to_deadline(10000, 600, -1), 10000);  // nothing awaited
    jobs::Job j;
    j.seconds_in_state = 4;
    j.seconds_since_received = 40;
    j.state = State::requested;
    ck_assert(jobs::seconds_waited(j) == 4);
    j.state = State::received;
    ck_assert(jobs::seconds_waited(j) == 40);
    j.state = State::polling;
    ck_assert(jobs::seconds_waited(j) == 40);
    j.state = State::queued;
    ck_assert(jobs::seconds_waited(j) < 0);
}
END_TEST

Suite* jobs_suite() {
    Suite* s = suite_create("jobs");
    TCase* tc = tcase_create("jobs");
    tcase_add_test(tc, kind_table);
    tcase_add_test(tc, state_and_style_text);
    tcase_add_test(tc, params_field_table);
    tcase_add_test(tc, params_label);
    tcase_add_test(tc, params_refusal_fields);
    tcase_add_test(tc, params_defaults_table);
    tcase_add_test(tc, file_names);
    tcase_add_test(tc, step_decisions);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_SUITE(jobs_suite);
