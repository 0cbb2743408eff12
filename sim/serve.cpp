#include "serve.hpp"

#include "calendar.hpp"
#include "core/error.hpp"
#include "output.hpp"
#include "pdf.hpp"

#include <glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

namespace onshi::sim {
namespace {

namespace fs = std::filesystem;

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

// ----- request kinds -------------------------------------------------------------------------

enum class Kind { homecare, online, welfare, validity, reference, drug, checkup, card };

// The only place a kind meets its file prefix and what its 01req must say.
struct KindInfo {
    Kind kind;
    std::string_view prefix;          // kPrefixLength characters (OQScrdq, our placeholder, has 7)
    bool bulk;                        // 01req + 02req (受付番号); false: one document answers the 01req
    std::string_view treatment_flag;  // MedicalTreatmentFlag the 01req must have if it has one ("" = any)
    std::string_view criteria;        // what a refused 01req got wrong, for the .err text
};
constexpr std::size_t kPrefixLength = 8;
// OQSmuhvq checks no MedicalTreatmentFlag: it never did, and 訪問看護 shares the prefix.
constexpr KindInfo kKinds[] = {
    {Kind::homecare, "OQSmuhvq", true, "", "医療機関コード・同意年月日"},
    {Kind::online, "OQSmuonq", true, "3", "医療機関コード・診療区分・同意年月日または受診年月日"},
    {Kind::welfare, "OQSmutic", true, "", "医療機関コード・診療年月"},
    {Kind::validity, "OQSmuquc", true, "", "医療機関コード・照会対象"},
    {Kind::reference, "OQSmuimm", true, "", "医療機関コード・照会対象"},
    {Kind::drug, "YZKsiquc", false, "", "医療機関コード"},
    {Kind::checkup, "TKKsiquc", false, "", "医療機関コード"},
    // orca-onshi's own card request (module/onshi_batch/card_request.hpp): not an official OQS name.
    {Kind::card, "OQScrdq", false, "", "医療機関コード・電子証明書"},
};
constexpr int kParseAttempts = 3;  // polls a request may stay unreadable

const KindInfo* kind_by_prefix(std::string_view prefix) {
    for (const KindInfo& k : kKinds)
        if (k.prefix == prefix) return &k;
    return nullptr;
}

struct RequestName {
    const KindInfo* kind = nullptr;  // nullptr: not a request we answer (incl. dot files)
    char phase = 0;                  // '1' or '2' (bulk kinds only)
};

// PREFIX + "0" + phase + "req_" + suffix + ".xml".
RequestName request_name(const std::string& name) {
    RequestName r;
    if (name.size() < 4 || name.compare(name.size() - 4, 4, ".xml") != 0) return r;
    for (const KindInfo& k : kKinds) {
        const std::size_t n = k.prefix.size();
        if (name.size() < n + 6 + 4 || name.compare(0, n, k.prefix) != 0) continue;
        const char phase = name[n + 1];
        if (name[n] != '0' || name.compare(n + 2, 4, "req_") != 0) continue;
        if (phase == '1' || (phase == '2' && k.bulk)) r = {&k, phase};
        return r;
    }
    return r;
}

// "OQSmuhvq01req_X.xml" -> "OQSmuhvq01res_X" (extension left to the caller).
std::string result_stem(const std::string& request) {
    std::string stem = request.substr(0, request.size() - 4);
    stem.replace(stem.find("req_"), 3, "res");
    return stem;
}

// ----- requests ------------------------------------------------------------------------------

// Everything any request kind carries; a request fills what its kind has.
struct Request {
    std::string inst, file_id;
    std::string consent_from, consent_to, exam_from, exam_to, treatment_flag, month;  // bulk 01req
    std::vector<SearchEcho> entries;   // OQSmuquc / OQSmuimm: every QualificationConfirmSearchInfo
    std::string reception;             // 02req
    CardKey card;                      // YZK / TKK: the card in the header
    std::string start, end, file_category;  // YZK / TKK body
    // OQScrdq: the card's certificate, the challenge and its signature (base64), and what was chosen.
    std::string certificate, challenge, signature, identity, ope, shinryo, kenshin, sikkan, prescription;
};

xmlNode* child(xmlNode* n, const char* name) {
    for (xmlNode* c = n ? n->children : nullptr; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, BAD_CAST name)) return c;
    return nullptr;
}

// The trimmed text of the element at `path` below `root` (first match at each step), "" if absent.
std::string text_at(xmlNode* root, std::initializer_list<const char*> path) {
    xmlNode* n = root;
    for (const char* step : path) n = child(n, step);
    if (!n) return {};
    xmlChar* content = xmlNodeGetContent(n);
    std::string s = content ? reinterpret_cast<const char*>(content) : "";
    xmlFree(content);
    const auto b = s.find_first_not_of(" \t\r\n");
    const auto e = s.find_last_not_of(" \t\r\n");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

SearchEcho search_entry(xmlNode* info) {
    SearchEcho e;
    e.insurer_number = text_at(info, {"InsurerNumber"});
    e.card_symbol = text_at(info, {"InsuredCardSymbol"});
    e.identification_number = text_at(info, {"InsuredIdentificationNumber"});
    e.branch_number = text_at(info, {"InsuredBranchNumber"});
    e.birthdate = text_at(info, {"Birthdate"});
    e.reference_number = text_at(info, {"ReferenceNumber"});
    e.arbitrary_identifier = text_at(info, {"ArbitraryIdentifier"});
    return e;
}

// Parses any request kind (the encoding comes from the XML declaration). False if the bytes are
// not a well-formed XmlMsg.
bool parse_request(const std::string& bytes, Request& rq) {
    xmlDoc* doc = xmlReadMemory(bytes.data(), static_cast<int>(bytes.size()), "request.xml", nullptr,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) return false;
    xmlNode* root = xmlDocGetRootElement(doc);
    const bool ok = root && xmlStrEqual(root->name, BAD_CAST "XmlMsg");
    if (ok) {
        xmlNode* header = child(root, "MessageHeader");
        xmlNode* body = child(root, "MessageBody");
        xmlNode* search = child(body, "QualificationConfirmSearchInfo");
        rq.inst = text_at(header, {"MedicalInstitutionCode"});
        rq.file_id = text_at(header, {"ArbitraryFileIdentifier"});
        rq.consent_from = text_at(search, {"ConsentDateFrom"});
        rq.consent_to = text_at(search, {"ConsentDateTo"});
        rq.exam_from = text_at(search, {"ExaminationDateFrom"});
        rq.exam_to = text_at(search, {"ExaminationDateTo"});
        rq.treatment_flag = text_at(search, {"MedicalTreatmentFlag"});
        rq.month = text_at(search, {"MedicalTreatmentMonth"});
        for (xmlNode* c = body ? body->children : nullptr; c; c = c->next)
            if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, BAD_CAST "QualificationConfirmSearchInfo"))
                rq.entries.push_back(search_entry(c));
        rq.reception = text_at(body, {"ReceptionNumber"});
        rq.card = {text_at(header, {"InsurerNumber"}), text_at(header, {"InsuranceCardSymbol"}),
                   text_at(header, {"InsuredPersonIdentificationNumber"}), text_at(header, {"BranchNumber"})};
        rq.start = text_at(body, {"StartDate"});
        rq.end = text_at(body, {"EndDate"});
        rq.file_category = text_at(body, {"FileCategory"});
        rq.certificate = text_at(body, {"Certificate"});
        rq.challenge = text_at(body, {"Challenge"});
        rq.signature = text_at(body, {"Signature"});
        rq.identity = text_at(body, {"IdentityConfirmation"});
        rq.ope = text_at(body, {"OperationInfoConsFlg"});
        rq.shinryo = text_at(body, {"DiagnosisInfoConsFlg"});
        rq.kenshin = text_at(body, {"SpecificHealthCheckupsInfoConsFlg"});
        rq.sikkan = text_at(body, {"SpecificDiseasesCertificateRelatedConsFlg"});
        rq.prescription = text_at(body, {"PrescriptionIssueSelect"});
        // YZK / TKK may carry the flag in the body itself.
        if (rq.treatment_flag.empty()) rq.treatment_flag = text_at(body, {"MedicalTreatmentFlag"});
    }
    xmlFreeDoc(doc);
    return ok;
}

bool valid_range(const std::string& from, const std::string& to) {
    Ymd a, b;
    return parse_ymd(from, a) && parse_ymd(to, b) && to_days(a) <= to_days(b);
}

bool valid_month(const std::string& yyyymm) {
    Ymd d;
    return yyyymm.size() == 6 && parse_ymd(yyyymm + "01", d);
}

std::string read_file(const fs::path& p, bool& ok) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    ok = static_cast<bool>(in) || in.eof();
    return ss.str();
}

// ----- receptions and the state file --------------------------------------------------------

// An accepted bulk 01req. Kept for good: every 02req naming it is answered (again).
struct Reception {
    const KindInfo* kind = nullptr;
    std::string inst, file_id;
    std::string criterion;             // "consent" / "exam": from..to; "month": from; "": the entries
    std::string from, to;
    std::vector<SearchEcho> entries;   // OQSmuquc / OQSmuimm
    int polls = 0;                     // 02req received so far
};

std::string clean_field(std::string s) {  // the state file is TSV
    std::replace_if(s.begin(), s.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; }, ' ');
    return s;
}

std::vector<std::string> split_tabs(const std::string& line) {
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (std::size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1)
        fields.push_back(line.substr(start, tab - start));
    fields.push_back(line.substr(start));
    return fields;
}

// The state file, one TSV record a line:
//   R  reception  prefix  inst  file_id  criterion  from  to  polls
//   E  reception  insurer  symbol  number  branch  birthdate  reference  arbitrary_id   (after its R)
//   N  person_index  reference_number                      (a registered 照会番号)
// A line of 6 fields (reception inst file_id from to polls) is an OQSmuhvq reception of the
// simulator's earlier versions.
struct State {
    std::map<std::string, Reception> receptions;
    std::map<int, std::string> references;  // person index -> 照会番号 registered by OQSmuimm

    void load(const std::string& file) {
        std::ifstream in(file);
        std::string line;
        while (std::getline(in, line)) {
            const std::vector<std::string> f = split_tabs(line);
            if (f.size() == 9 && f[0] == "R" && kind_by_prefix(f[2])) {
                receptions[f[1]] = Reception{kind_by_prefix(f[2]), f[3], f[4], f[5], f[6], f[7], {}, std::atoi(f[8].c_str())};
            } else if (f.size() == 9 && f[0] == "E" && receptions.count(f[1])) {
                receptions[f[1]].entries.push_back(SearchEcho{f[2], f[3], f[4], f[5], f[6], "", f[7], f[8]});
            } else if (f.size() == 3 && f[0] == "N") {
                references[std::atoi(f[1].c_str())] = f[2];
            } else if (f.size() == 6) {
                receptions[f[0]] = Reception{&kKinds[0], f[1], f[2], "consent", f[3], f[4], {}, std::atoi(f[5].c_str())};
            }
        }
    }

    [[nodiscard]] std::string dump() const {
        std::ostringstream out;
        const auto row = [&out](std::initializer_list<std::string> fields) {
            const char* sep = "";
            for (const std::string& f : fields) {
                out << sep << clean_field(f);
                sep = "\t";
            }
            out << '\n';
        };
        for (const auto& [id, r] : receptions) {
            row({"R", id, std::string(r.kind->prefix), r.inst, r.file_id, r.criterion, r.from, r.to,
                 std::to_string(r.polls)});
            for (const SearchEcho& e : r.entries)
                row({"E", id, e.insurer_number, e.card_symbol, e.identification_number, e.branch_number.value_or(""),
                     e.birthdate, e.reference_number, e.arbitrary_identifier});
        }
        for (const auto& [index, ref] : references) row({"N", std::to_string(index), ref});
        return out.str();
    }
};

// ----- the 連携アプリ ---------------------------------------------------------------------------

class Simulator {
public:
    Simulator(const std::vector<Person>& people, const ServeOptions& o) : people_(people), o_(o), cards_(people) {
        if (!parse_ymd(o_.today, today_)) throw Error(Errc::usage, "today must be YYYYMMDD: " + o_.today);
        if (!o_.state_file.empty()) state_.load(o_.state_file);
        counter_ = static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count() % 10000);
    }

    void run() {
        const auto started = Clock::now();
        while (!g_stop) {
            if (o_.exit_after_s > 0 &&
                std::chrono::duration<double>(Clock::now() - started).count() >= o_.exit_after_s)
                break;
            for (const std::string& name : pending()) {
                if (g_stop) break;
                try {
                    handle(name);
                } catch (const Error& e) {
                    log(name + ": " + e.what());
                }
            }
            resend_due();
            sleep_ms(o_.poll_ms);
        }
    }

private:
    using Clock = std::chrono::steady_clock;

    // A final 02res to write again once the client has taken it (fault "duplicate").
    struct Resend {
        Clock::time_point from, until;
        std::string name, bytes;
    };

    std::vector<std::string> pending() {
        std::vector<std::string> names;
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(o_.req_dir, ec)) {
            const std::string name = entry.path().filename().string();
            if (request_name(name).kind && !skipped_.count(name)) names.push_back(name);
        }
        if (ec) log("cannot list " + o_.req_dir + ": " + ec.message());
        std::sort(names.begin(), names.end());
        return names;
    }

    void handle(const std::string& name) {
        const fs::path path = fs::path(o_.req_dir) / name;
        bool read_ok = false;
        const std::string bytes = read_file(path, read_ok);
        if (!read_ok) return;  // vanished or unreadable: try again next poll
        Request rq;
        const bool parsed = parse_request(bytes, rq);
        if (!parsed && ++parse_failures_[name] < kParseAttempts) return;  // maybe still being written
        parse_failures_.erase(name);

        std::error_code ec;
        if (!fs::remove(path, ec)) {
            log(name + ": cannot delete request (" + ec.message() + "), ignored");
            skipped_.insert(name);
            return;
        }
        sleep_ms(o_.delay_ms);
        if (g_stop) return;
        if (!parsed) return reject(name, "要求ファイルのXML形式に誤りがあります。");
        const RequestName rn = request_name(name);
        if (rn.phase == '2') answer_02(name, *rn.kind, rq);
        else if (rn.kind->kind == Kind::card) answer_card(name, rq);
        else if (rn.kind->bulk) answer_01(name, *rn.kind, rq);
        else answer_document(name, *rn.kind, rq);
    }

    // ----- phase 1 -----

    // Fills r's criterion from the request; false if the request does not say what its kind needs.
    static bool read_criteria(const KindInfo& kind, const Request& rq, Reception& r) {
        if (rq.inst.empty()) return false;
        if (!kind.treatment_flag.empty() && !rq.treatment_flag.empty() && rq.treatment_flag != kind.treatment_flag)
            return false;
        const bool by_consent = !rq.consent_from.empty() || !rq.consent_to.empty();
        const bool by_exam = !rq.exam_from.empty() || !rq.exam_to.empty();
        switch (kind.kind) {
        case Kind::homecare:
            r = {&kind, rq.inst, rq.file_id, "consent", rq.consent_from, rq.consent_to, {}, 0};
            return valid_range(r.from, r.to);
        case Kind::online:  // one range or the other, not both
            if (by_consent == by_exam) return false;
            if (by_consent) r = {&kind, rq.inst, rq.file_id, "consent", rq.consent_from, rq.consent_to, {}, 0};
            else r = {&kind, rq.inst, rq.file_id, "exam", rq.exam_from, rq.exam_to, {}, 0};
            return valid_range(r.from, r.to);
        case Kind::welfare:
            r = {&kind, rq.inst, rq.file_id, "month", rq.month, "", {}, 0};
            return valid_month(r.from);
        case Kind::validity:
        case Kind::reference:
            r = {&kind, rq.inst, rq.file_id, "", "", "", rq.entries, 0};
            return !r.entries.empty();
        case Kind::drug:
        case Kind::checkup:
        case Kind::card: break;
        }
        return false;
    }

    void answer_01(const std::string& name, const KindInfo& kind, const Request& rq) {
        if (o_.faults.has(Fault::err01))
            return reject(name, "資格確認端末で要求ファイルの受付に失敗しました。（模擬障害）");
        Reception r;
        if (!read_criteria(kind, rq, r))
            return reject(name, "要求ファイルの内容に誤りがあります。（" + std::string(kind.criteria) + "）");

        std::string reception;
        do {
            reception = stamp(local_now17()) + "_" + pad4(counter_++ % 10000);
        } while (state_.receptions.count(reception));
        state_.receptions[reception] = std::move(r);
        accepted_at_[reception] = Clock::now();
        save_state();

        const std::string now = stamp(local_now14());
        const std::string res = result_stem(name) + ".xml";
        write_atomic(o_.res_dir, res, write_01res(o_.style, Header01{now, rq.inst, rq.file_id, reception, now}));
        log(name + " -> " + res + " reception " + reception);
    }

    // ----- the card request (OQScrdq, ours) -----

    static std::vector<unsigned char> unbase64(const std::string& s) {
        gsize n = 0;
        guchar* b = g_base64_decode(s.c_str(), &n);
        std::vector<unsigned char> out(b, b + n);
        g_free(b);
        return out;
    }

    // The population person whose certificate this is (CN ONSHI-SIM-<index>, make-test-card.sh
    // --person-index), or nullptr with the reason; a Signature must verify over the Challenge.
    const Person* card_person(const Request& rq, std::string& why) const {
        const auto der = unbase64(rq.certificate);
        const unsigned char* p = der.data();
        X509* x = der.empty() ? nullptr : d2i_X509(nullptr, &p, static_cast<long>(der.size()));
        if (!x) {
            why = "電子証明書を読み取れません。";
            return nullptr;
        }
        char cn[256] = {0};
        X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof cn);
        bool sig_ok = true;
        if (!rq.signature.empty()) {
            const auto sig = unbase64(rq.signature);
            const auto challenge = unbase64(rq.challenge);
            EVP_PKEY* key = X509_get0_pubkey(x);
            EVP_MD_CTX* md = EVP_MD_CTX_new();
            sig_ok = key && md && EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, key) == 1 &&
                     EVP_DigestVerify(md, sig.data(), sig.size(), challenge.data(), challenge.size()) == 1;
            EVP_MD_CTX_free(md);
        } else if (rq.identity == "1") {
            sig_ok = false;
        }
        X509_free(x);
        if (!sig_ok) {
            why = "電子署名の検証に失敗しました。";
            return nullptr;
        }
        const std::string c(cn);
        const std::string tag = "ONSHI-SIM-";
        if (c.compare(0, tag.size(), tag) == 0) {
            const int index = std::atoi(c.c_str() + tag.size());
            for (const Person& q : people_)
                if (q.index == index && c.size() > tag.size()) return &q;
        }
        why = "該当する資格情報が存在しません。";
        return nullptr;
    }

    void answer_card(const std::string& name, const Request& rq) {
        if (rq.inst.empty() || rq.certificate.empty() || rq.challenge.empty())
            return reject(name, "要求ファイルの内容に誤りがあります。（" + std::string("医療機関コード・電子証明書") + "）");
        Header02 h;
        h.process_execution_time = stamp(local_now14());
        h.confirmation_date = o_.today;
        h.institution_code = rq.inst;
        h.file_id = rq.file_id;
        h.reception_number = stamp(local_now17()) + "_" + pad4(counter_++ % 10000);
        std::string why;
        const Person* p = card_person(rq, why);
        std::vector<Unit> units;
        Person chosen;
        if (!p) {
            h.segment = "9";
            h.error_code = "EOQS2001";
            h.error_message = why;
        } else {
            chosen = *p;
            const std::string now = h.process_execution_time;
            auto set = [&](Consent& c, const std::string& flg) {
                c.flg = flg == "1" ? 1 : 0;
                c.time = c.flg ? now : std::string();
                c.available = c.flg ? c.available : std::string();
            };
            set(chosen.ope, rq.ope);
            set(chosen.shinryo, rq.shinryo);
            set(chosen.yakuzai, rq.shinryo);
            set(chosen.kenshin, rq.kenshin);
            set(chosen.sikkan, rq.sikkan);
            Unit u = consented_unit(chosen);
            u.welfare = false;
            u.prescription_issue = rq.prescription;
            units.push_back(u);
        }
        const std::string res = result_stem(name) + ".xml";
        write_atomic(o_.res_dir, res, write_02res(o_.style, h, units));
        log(name + " -> " + res + " segment " + h.segment + (p ? " person " + std::to_string(p->index) : " (" + why + ")"));
    }

    // ----- phase 2 -----

    void answer_02(const std::string& name, const KindInfo& kind, const Request& rq) {
        if (o_.faults.has(Fault::err02))
            return reject(name, "資格確認端末で要求ファイルの受付に失敗しました。（模擬障害）");
        if (rq.reception.empty()) return reject(name, "要求ファイルの内容に誤りがあります。（受付番号）");

        Header02 h;
        h.process_execution_time = stamp(local_now14());
        h.confirmation_date = o_.today;
        h.institution_code = rq.inst;
        h.reception_number = rq.reception;
        std::vector<Unit> units;
        const auto it = state_.receptions.find(rq.reception);
        bool cut = false;
        if (it == state_.receptions.end() || it->second.inst != rq.inst || it->second.kind != &kind) {
            h.segment = "9";
            h.error_code = "EOQS1001";
            h.error_message = "指定された受付番号の要求は存在しません。";
        } else {
            Reception& r = it->second;
            h.file_id = r.file_id;
            ++r.polls;
            save_state();
            if (r.polls <= o_.processing || o_.faults.has(Fault::processing_forever) || still_processing(rq.reception)) {
                h.segment = "2";
            } else if (o_.faults.has(Fault::seg9)) {
                h.segment = "9";
                h.error_code = "EOQS9001";
                h.error_message = "一括照会の処理中にエラーが発生しました。（模擬障害）";
            } else {
                units = answer_units(r);
                cut = o_.faults.has(Fault::malformed);
            }
        }
        std::string xml = write_02res(o_.style, h, units);
        if (cut) xml = truncate_in_unit(xml);
        const std::string stem = result_stem(name);
        const std::string res = stem + (o_.zip ? ".zip" : ".xml");
        publish_02res(res, o_.zip ? zip_bytes(stem + ".xml", xml) : xml, h.segment != "2");
        log(name + " -> " + res + " reception " + rq.reception + " segment " + h.segment + ", " +
            std::to_string(units.size()) + " units" + (cut ? " (truncated)" : ""));
    }

    // The units of a reception's result, in the order OQS gives them: persons in population order,
    // or the request's own entries.
    std::vector<Unit> answer_units(const Reception& r) {
        std::vector<Unit> units;
        const auto in_range = [&r](const std::string& date) { return date >= r.from && date <= r.to; };
        switch (r.kind->kind) {
        case Kind::homecare:
        case Kind::online: {
            const Treatment t = r.kind->kind == Kind::online ? Treatment::online : Treatment::homecare;
            for (const Person& p : people_)
                if (p.treatment == t && in_range(r.criterion == "exam" ? p.exam_date : p.consent_date))
                    units.push_back(consented_unit(p));
            break;
        }
        case Kind::welfare: {
            const bool pending = today_.d < o_.welfare_pending_until;
            for (const Person& p : people_)
                if (p.welfare) units.push_back(ticket_unit(p, r.from, pending));
            break;
        }
        case Kind::validity:
            for (const SearchEcho& e : r.entries) {
                const Person* p = cards_.find(card_of(e));
                const Change c = p ? draw_change(o_.change_seed, o_.change_rate, p->index) : Change::none;
                units.push_back(validity_unit(e, p, c, o_.today));
            }
            break;
        case Kind::reference: {
            for (const SearchEcho& e : r.entries) {
                const Person* p = cards_.find(card_of(e));
                units.push_back(registration_unit(e, p));
                if (units.back().status == "1") state_.references[p->index] = e.reference_number;
            }
            save_state();
            return units;  // registrations are no person's result: no faults, no 照会番号 replaced
        }
        case Kind::drug:
        case Kind::checkup:
        case Kind::card: break;
        }
        for (Unit& u : units) {
            apply_unit_faults(u, o_.faults);
            if (!u.person) continue;
            const auto ref = state_.references.find(u.person->index);
            if (ref != state_.references.end()) u.reference_number = ref->second;
        }
        return units;
    }

    static CardKey card_of(const SearchEcho& e) {
        return {e.insurer_number, e.card_symbol, e.identification_number, e.branch_number.value_or("")};
    }

    // A final answer (segment 1 or 9) may be written slowly or twice, as the faults say.
    void publish_02res(const std::string& name, const std::string& bytes, bool final_answer) {
        if (final_answer && o_.faults.has(Fault::symlink)) {
            std::string dir = o_.res_dir;
            while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
            write_symlinked(o_.res_dir, dir + ".outside", name, bytes);
        } else if (final_answer && o_.faults.has(Fault::slow_write)) {
            constexpr int kChunks = 10, kTotalMs = 3000;
            write_in_chunks(o_.res_dir, name, bytes, kChunks, [] { sleep_ms(kTotalMs / (kChunks - 1)); });
        } else {
            write_atomic(o_.res_dir, name, bytes);
        }
        if (final_answer && o_.faults.has(Fault::duplicate)) {
            const auto now = Clock::now();
            resends_.push_back({now + std::chrono::seconds(1), now + std::chrono::seconds(11), name, bytes});
        }
    }

    // From ~1 s after the first write, the first poll that finds the file gone writes it again;
    // a file nobody takes within ~10 s more is let be.
    void resend_due() {
        const auto now = Clock::now();
        std::erase_if(resends_, [&](const Resend& r) {
            if (now < r.from) return false;
            std::error_code ec;
            if (fs::exists(fs::path(o_.res_dir) / r.name, ec) || ec) {
                if (now < r.until) return false;
                log(r.name + ": not taken, not sent again");
                return true;
            }
            try {
                write_atomic(o_.res_dir, r.name, r.bytes);
                log(r.name + " sent again (duplicate)");
            } catch (const Error& e) {
                log(r.name + ": " + e.what());
            }
            return true;
        });
    }

    // ----- 薬剤情報 / 特定健診 -----

    void answer_document(const std::string& name, const KindInfo& kind, const Request& rq) {
        if (o_.faults.has(Fault::err01))
            return reject(name, "資格確認端末で要求ファイルの受付に失敗しました。（模擬障害）");
        if (rq.inst.empty())
            return reject(name, "要求ファイルの内容に誤りがあります。（" + std::string(kind.criteria) + "）");
        const bool drug = kind.kind == Kind::drug;
        const Person* p = cards_.find(rq.card);
        std::string refusal;
        if (!rq.file_category.empty() && rq.file_category != "1")
            refusal = "ファイル種別 " + rq.file_category + " には対応していません。（模擬：PDFのみ）";
        else if (!p)
            refusal = "指定された被保険者の資格情報が存在しません。";
        else if ((drug ? p->yakuzai : p->kenshin).flg != 1)
            refusal = drug ? "薬剤情報の閲覧について本人の同意がありません。"
                           : "特定健診情報の閲覧について本人の同意がありません。";
        const std::string stem = result_stem(name);
        const std::string res = stem + (refusal.empty() ? ".pdf" : ".xml");
        write_atomic(o_.res_dir, res,
                     refusal.empty() ? document_pdf(drug, *p, rq)
                                     : write_document_error(o_.style, rq.file_id, "2", refusal));
        log(name + " -> " + res + (refusal.empty() ? "" : " (" + refusal + ")"));
    }

    static std::string document_pdf(bool drug, const Person& p, const Request& rq) {
        const Insurance& in = *p.insurance;
        std::vector<std::string> lines{
            std::string("OQS SIMULATOR - ") +
                (drug ? "YZK drug information" : "TKK specific health checkup information") +
                " - synthetic patient " + p.ptnum,
            "Card: insurer " + in.hknjanum + ", symbol " + in.kigo + ", number " + in.num + ", branch " + in.edaban,
            "Birthdate: " + p.birthdate,
        };
        if (drug) lines.push_back("Period: " + rq.start + " - " + rq.end);
        lines.push_back("Synthetic data generated for testing. Not a medical record.");
        return make_pdf(lines);
    }

    // ----- common -----

    // The 連携アプリ's answer to a request it refuses: <request basename>.err with a short text.
    void reject(const std::string& name, const std::string& message) {
        const std::string err = name.substr(0, name.size() - 4) + ".err";
        write_atomic(o_.res_dir, err, encode_text(message + "\n", o_.style.encoding));
        log(name + " -> " + err);
    }

    // A wall-clock timestamp with the pinned date, if any.
    std::string stamp(std::string ts) const {
        if (o_.pin_date) ts.replace(0, 8, o_.today);
        return ts;
    }

    static std::string pad4(unsigned v) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "%04u", v);
        return buf;
    }

    static void sleep_ms(int ms) {
        for (int left = ms; left > 0 && !g_stop; left -= 20)
            std::this_thread::sleep_for(std::chrono::milliseconds(std::min(left, 20)));
    }

    static void log(const std::string& line) { std::fprintf(stderr, "orca-onshi-sim: %s\n", line.c_str()); }

    void save_state() const {
        if (o_.state_file.empty()) return;
        const fs::path p(o_.state_file);
        const std::string dir = p.has_parent_path() ? p.parent_path().string() : ".";
        write_atomic(dir, p.filename().string(), state_.dump());
    }

    const std::vector<Person>& people_;
    const ServeOptions& o_;
    const CardIndex cards_;
    Ymd today_;
    State state_;
    std::vector<Resend> resends_;
    // When each reception was accepted (this run only: a reception from an earlier run counts from
    // its first 02req), for --processing-s.
    std::map<std::string, Clock::time_point> accepted_at_;
    bool still_processing(const std::string& reception) {
        if (o_.processing_s <= 0) return false;
        const auto at = accepted_at_.try_emplace(reception, Clock::now()).first->second;
        return std::chrono::duration<double>(Clock::now() - at).count() < o_.processing_s;
    }
    std::map<std::string, int> parse_failures_;
    std::set<std::string> skipped_;
    unsigned counter_ = 0;
};

}  // namespace

int serve(const std::vector<Person>& people, const ServeOptions& options) {
    for (const std::string& dir : {options.req_dir, options.res_dir})
        if (!fs::is_directory(dir)) throw Error(Errc::io, "not a directory: " + dir);
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    Simulator sim(people, options);
    std::unique_ptr<HttpsFront> front;
    if (options.https) front = std::make_unique<HttpsFront>(*options.https);
    sim.run();
    return 0;
}

}  // namespace onshi::sim
