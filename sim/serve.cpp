#include "serve.hpp"

#include "calendar.hpp"
#include "core/error.hpp"
#include "output.hpp"

#include <libxml/parser.h>
#include <libxml/tree.h>

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

constexpr std::string_view kPrefix = "OQSmuhvq0";   // + '1'|'2' + "req_" + suffix + ".xml"
constexpr int kParseAttempts = 3;                   // polls a request may stay unreadable

// OQSmuhvq0[12]req_*.xml; returns '1' or '2', or 0 for anything else (incl. dot files).
char request_kind(const std::string& name) {
    if (name.size() < kPrefix.size() + 5 + 4 || name.compare(0, kPrefix.size(), kPrefix) != 0) return 0;
    const char kind = name[kPrefix.size()];
    if ((kind != '1' && kind != '2') || name.compare(kPrefix.size() + 1, 4, "req_") != 0) return 0;
    if (name.compare(name.size() - 4, 4, ".xml") != 0) return 0;
    return kind;
}

// "OQSmuhvq01req_X.xml" -> "OQSmuhvq01res_X" (extension left to the caller).
std::string result_stem(const std::string& request) {
    std::string stem = request.substr(0, request.size() - 4);
    stem.replace(kPrefix.size() + 1, 3, "res");
    return stem;
}

// ----- requests ------------------------------------------------------------------------------

struct Request {
    std::string inst, file_id, consent_from, consent_to, treatment_flag;  // 01req
    std::string reception;                                                // 02req
};

xmlNode* child(xmlNode* n, const char* name) {
    for (xmlNode* c = n ? n->children : nullptr; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, BAD_CAST name)) return c;
    return nullptr;
}

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

// Parses either request kind (the encoding comes from the XML declaration). False if the bytes are
// not a well-formed XmlMsg.
bool parse_request(const std::string& bytes, Request& rq) {
    xmlDoc* doc = xmlReadMemory(bytes.data(), static_cast<int>(bytes.size()), "request.xml", nullptr,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) return false;
    xmlNode* root = xmlDocGetRootElement(doc);
    const bool ok = root && xmlStrEqual(root->name, BAD_CAST "XmlMsg");
    if (ok) {
        rq.inst = text_at(root, {"MessageHeader", "MedicalInstitutionCode"});
        rq.file_id = text_at(root, {"MessageHeader", "ArbitraryFileIdentifier"});
        rq.consent_from = text_at(root, {"MessageBody", "QualificationConfirmSearchInfo", "ConsentDateFrom"});
        rq.consent_to = text_at(root, {"MessageBody", "QualificationConfirmSearchInfo", "ConsentDateTo"});
        rq.treatment_flag = text_at(root, {"MessageBody", "QualificationConfirmSearchInfo", "MedicalTreatmentFlag"});
        rq.reception = text_at(root, {"MessageBody", "ReceptionNumber"});
    }
    xmlFreeDoc(doc);
    return ok;
}

std::string read_file(const fs::path& p, bool& ok) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    ok = static_cast<bool>(in) || in.eof();
    return ss.str();
}

// ----- receptions ----------------------------------------------------------------------------

struct Reception {
    std::string inst, file_id, from, to;
    int polls = 0;  // 02req received so far
};

std::string clean_field(std::string s) {  // the state file is TSV
    std::replace_if(s.begin(), s.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; }, ' ');
    return s;
}

class Simulator {
public:
    Simulator(const std::vector<Person>& people, const ServeOptions& o) : people_(people), o_(o) {
        load_state();
        counter_ = static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count() % 10000);
    }

    void run() {
        const auto started = std::chrono::steady_clock::now();
        while (!g_stop) {
            if (o_.exit_after_s > 0 &&
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() >= o_.exit_after_s)
                break;
            for (const std::string& name : pending()) {
                if (g_stop) break;
                try {
                    handle(name);
                } catch (const Error& e) {
                    log(name + ": " + e.what());
                }
            }
            sleep_ms(o_.poll_ms);
        }
    }

private:
    std::vector<std::string> pending() {
        std::vector<std::string> names;
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(o_.req_dir, ec)) {
            const std::string name = entry.path().filename().string();
            if (request_kind(name) && !skipped_.count(name)) names.push_back(name);
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
        if (request_kind(name) == '1') answer_01(name, rq);
        else answer_02(name, rq);
    }

    void answer_01(const std::string& name, const Request& rq) {
        if (o_.fault == Fault::err01) return reject(name, "資格確認端末で要求ファイルの受付に失敗しました。（模擬障害）");
        Ymd from, to;
        if (rq.inst.empty() || !parse_ymd(rq.consent_from, from) || !parse_ymd(rq.consent_to, to) ||
            to_days(from) > to_days(to))
            return reject(name, "要求ファイルの内容に誤りがあります。（医療機関コード・同意年月日）");

        std::string reception;
        do {
            reception = stamp(local_now17()) + "_" + pad4(counter_++ % 10000);
        } while (receptions_.count(reception));
        receptions_[reception] = Reception{rq.inst, rq.file_id, rq.consent_from, rq.consent_to, 0};
        save_state();

        const std::string now = stamp(local_now14());
        const std::string res = result_stem(name) + ".xml";
        write_atomic(o_.res_dir, res, write_01res(o_.style, Header01{now, rq.inst, rq.file_id, reception, now}));
        log(name + " -> " + res + " reception " + reception);
    }

    void answer_02(const std::string& name, const Request& rq) {
        if (o_.fault == Fault::err02) return reject(name, "資格確認端末で要求ファイルの受付に失敗しました。（模擬障害）");
        if (rq.reception.empty()) return reject(name, "要求ファイルの内容に誤りがあります。（受付番号）");

        Header02 h;
        h.process_execution_time = stamp(local_now14());
        h.confirmation_date = o_.today;
        h.institution_code = rq.inst;
        h.reception_number = rq.reception;
        std::vector<const Person*> units;
        const auto it = receptions_.find(rq.reception);
        bool cut = false;
        if (it == receptions_.end() || it->second.inst != rq.inst) {
            h.segment = "9";
            h.error_code = "EOQS1001";
            h.error_message = "指定された受付番号の要求は存在しません。";
        } else {
            Reception& r = it->second;
            h.file_id = r.file_id;
            ++r.polls;
            save_state();
            if (r.polls <= o_.processing) {
                h.segment = "2";
            } else if (o_.fault == Fault::seg9) {
                h.segment = "9";
                h.error_code = "EOQS9001";
                h.error_message = "一括照会の処理中にエラーが発生しました。（模擬障害）";
            } else {
                for (const Person& p : people_)
                    if (p.consent_date >= r.from && p.consent_date <= r.to) units.push_back(&p);
                cut = o_.fault == Fault::malformed;
            }
        }
        std::string xml = write_02res(o_.style, h, units);
        if (cut) xml = truncate_in_unit(xml);
        const std::string stem = result_stem(name);
        const std::string res = stem + (o_.zip ? ".zip" : ".xml");
        if (o_.zip) write_zip_atomic(o_.res_dir, res, stem + ".xml", xml);
        else write_atomic(o_.res_dir, res, xml);
        log(name + " -> " + res + " reception " + rq.reception + " segment " + h.segment + ", " +
            std::to_string(units.size()) + " units" + (cut ? " (truncated)" : ""));
    }

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

    // State file: one TSV line per reception (reception, inst, file_id, from, to, polls).
    void load_state() {
        if (o_.state_file.empty()) return;
        std::ifstream in(o_.state_file);
        std::string line;
        while (std::getline(in, line)) {
            std::istringstream ls(line);
            std::string id, polls;
            Reception r;
            if (std::getline(ls, id, '\t') && std::getline(ls, r.inst, '\t') && std::getline(ls, r.file_id, '\t') &&
                std::getline(ls, r.from, '\t') && std::getline(ls, r.to, '\t') && std::getline(ls, polls)) {
                r.polls = std::atoi(polls.c_str());
                receptions_[id] = r;
            }
        }
    }

    void save_state() const {
        if (o_.state_file.empty()) return;
        std::ostringstream out;
        for (const auto& [id, r] : receptions_)
            out << id << '\t' << clean_field(r.inst) << '\t' << clean_field(r.file_id) << '\t' << r.from << '\t'
                << r.to << '\t' << r.polls << '\n';
        const fs::path p(o_.state_file);
        const std::string dir = p.has_parent_path() ? p.parent_path().string() : ".";
        write_atomic(dir, p.filename().string(), out.str());
    }

    const std::vector<Person>& people_;
    const ServeOptions& o_;
    std::map<std::string, Reception> receptions_;
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
    sim.run();
    return 0;
}

}  // namespace onshi::sim
