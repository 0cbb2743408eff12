#include "p031_bridge/writer.hpp"

#include "core/error.hpp"

#include <map>
#include <set>
#include <sstream>

namespace onshi::bridge {
namespace {

const std::string& kaku_columns_sql() {
    static const std::string cols = [] {
        std::string s;
        for (std::size_t i = 0; i < kColumnCount; ++i) s += (i ? "," : "") + std::string(kColumns[i].name);
        return s;
    }();
    return cols;
}

void line(std::string& out, std::initializer_list<std::string> values) {
    bool first = true;
    for (const auto& v : values) {
        if (!first) out += '\t';
        first = false;
        db::append_copy_value(out, v);
    }
    out += '\n';
}

std::string houmon_line(const HoumonRow& h) {
    std::string s;
    line(s, {std::to_string(h.ptid), h.onshinryo_kbn, h.tbl_uuid, h.hknjanum, h.kigo, h.num, h.edaban, h.ftnjanum, h.jkysnum,
             h.doui_startymd, h.doui_endymd, h.kaku_kakuninymd, h.kaku_kakuninhms, h.gendo_shutokuflg, h.sikkan_shutokuflg,
             h.kenshin_douiflg, h.yakuzai_douiflg, h.shinryo_douiflg, h.ope_douiflg});
    return s;
}

std::string aid_line(const AidRow& a) {
    std::string s;
    line(s, {a.tbl_uuid, a.fujyo_uuid, std::to_string(a.ptid), a.ftnjanum, a.jkysnum, std::to_string(a.rennum), a.kofunum, a.sryym,
             a.medical_type});
    return s;
}

constexpr const char* kHoumonColumns =
    "hospnum, tbl_uuid, ptid, onshinryo_kbn, shokai_kbn, hknjanum, kigo, num, edaban, ftnjanum, jkysnum, doui_startymd,"
    " doui_endymd, doui_torikesi, doui_torikesi_ymd, kenshin_douiflg, yakuzai_douiflg, shinryo_douiflg, ope_douiflg,"
    " gendo_shutokuflg, sikkan_shutokuflg, kaku_kakuninymd, kaku_kakuninhms, kaku_kakuninflg, shisetu_id, target_uuid, termid,"
    " opid, creymd, crehms, upymd, uphms";
constexpr const char* kAidColumns =
    "hospnum, tbl_uuid, fujyo_uuid, ptid, ftnjanum, jkysnum, rennum, tekstymd, tekedymd, medical_type, nyugaikbn, sryym, kofunum,"
    " ftngaku, xml_image_file_status, aid_imagedata, termid, opid, creymd, crehms, upymd, uphms";

std::set<std::string> column_set(std::string_view list) {
    std::set<std::string> out;
    for (std::size_t i = 0; i < list.size();) {
        while (i < list.size() && (list[i] == ',' || list[i] == ' ')) ++i;
        std::size_t j = i;
        while (j < list.size() && list[j] != ',') ++j;
        if (j > i) out.emplace(list.substr(i, j - i));
        i = j;
    }
    return out;
}

// `lines` (COPY text, one row a line) with `values` at the end of every row.
std::string with_values(const std::string& lines, const std::string& values) {
    if (values.empty()) return lines;
    std::string out;
    out.reserve(lines.size() + values.size() * 64);
    std::size_t from = 0;
    for (std::size_t nl; (nl = lines.find('\n', from)) != std::string::npos; from = nl + 1) {
        out.append(lines, from, nl - from);
        out += values;
        out += '\n';
    }
    out.append(lines, from);
    return out;
}

}  // namespace

OrcaColumns read_orca_columns(db::Connection& db) {
    // The tables as the search path finds them, their columns in order, each type as
    // information_schema.columns.data_type names it (doctor reads that view and says what is written):
    // a base type by format_type ('character varying', 'character', 'smallint', 'numeric', ...), a
    // domain by its base type, an array 'ARRAY', a type outside pg_catalog 'USER-DEFINED'; and only
    // the columns the view shows this user (its owner's, or with a privilege on the column). Straight
    // from the catalog: the information_schema view cost 9 ms of the backend's time on every ingest.
    const auto r = db.exec("SELECT c.relname::text, a.attname::text,"
                           "  CASE WHEN b.typelem <> 0 AND b.typlen = -1 THEN 'ARRAY'"
                           "       WHEN bn.nspname = 'pg_catalog' THEN format_type(b.oid, NULL) ELSE 'USER-DEFINED' END,"
                           "  quote_ident(a.attname::text)"
                           " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
                           " JOIN pg_type t ON t.oid = a.atttypid"
                           " JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END"
                           " JOIN pg_namespace bn ON bn.oid = b.typnamespace"
                           " WHERE c.oid IN (to_regclass('tbl_onshi_kaku'), to_regclass('tbl_onshi_houmon'), to_regclass('tbl_onshi_aidlst'))"
                           "   AND a.attnum > 0 AND NOT a.attisdropped"
                           "   AND (pg_has_role(c.relowner, 'USAGE') OR has_column_privilege(c.oid, a.attnum, 'SELECT, INSERT, UPDATE, REFERENCES'))"
                           " ORDER BY c.relname, a.attnum");
    std::set<std::string> kaku;
    for (const auto& c : kColumns) kaku.emplace(c.name);
    const std::set<std::string> houmon = column_set(kHoumonColumns), aid = column_set(kAidColumns);
    OrcaColumns out;
    for (int i = 0; i < r.rows(); ++i) {
        const std::string table = r.str(i, 0), column = r.str(i, 1);
        const auto& known = table == "tbl_onshi_kaku" ? kaku : table == "tbl_onshi_houmon" ? houmon : aid;
        if (known.count(column)) continue;
        const auto value = orca_blank_value(r.get(i, 2));
        if (!value) continue;  // left to its default (doctor warns)
        ExtraColumns& e = table == "tbl_onshi_kaku" ? out.kaku : table == "tbl_onshi_houmon" ? out.houmon : out.aid;
        e.names += ", " + r.str(i, 3);  // quoted by PostgreSQL: any name a newer ORCA may choose
        e.values += '\t';
        db::append_copy_value(e.values, *value);
    }
    return out;
}

void append_kaku_copy_line(std::string& out, const KakuRow& row) {
    for (std::size_t i = 0; i < kColumnCount; ++i) {
        if (i) out += '\t';
        if (const std::string& v = row.at(i); !v.empty()) db::append_copy_value(out, v);  // most of a row's 152 are empty
    }
    out += '\n';
}

std::string kaku_copy_line(const KakuRow& row) {
    std::string s;
    append_kaku_copy_line(s, row);
    return s;
}

void copy_kaku(db::Connection& db, const OrcaColumns& cols, const std::string& lines, CopyText text) {
    if (lines.empty()) return;
    // EUC-JP text is said so in the COPY itself (ENCODING): the connection's client_encoding, and so
    // every message PostgreSQL sends back, stays UTF-8.
    db::Connection::Copy c(db, "COPY tbl_onshi_kaku (" + kaku_columns_sql() + cols.kaku.names + ") FROM STDIN" +
                                   (text == CopyText::euc_jp ? " WITH (ENCODING 'EUC_JP')" : ""));
    if (cols.kaku.values.empty()) c.put(lines);  // ORCA's own columns only: the lines as they are
    else c.put(with_values(lines, cols.kaku.values));  // '' and 0 (orca_blank_value): ASCII, the same bytes in either
    c.finish();
}

void write_houmon(db::Connection& db, const OrcaColumns& cols, int hospnum, const std::vector<HoumonRow>& rows, const std::string& ymd, const std::string& hms) {
    if (rows.empty()) return;
    const std::string hosp = std::to_string(hospnum);
    // ORCA's key4: the patient's newest record per 診療区分; ptid 0 always gets a new record.
    std::vector<std::string> ptids;
    for (const auto& r : rows)
        if (r.ptid > 0) ptids.push_back(std::to_string(r.ptid));
    std::map<std::pair<Ptid, std::string>, std::string> target;  // (ptid, kbn) -> tbl_uuid to update
    if (!ptids.empty()) {
        const auto r = db.exec("SELECT DISTINCT ON (ptid, onshinryo_kbn) ptid, onshinryo_kbn, tbl_uuid FROM tbl_onshi_houmon"
                               " WHERE hospnum = $1 AND ptid = ANY ($2::bigint[])"
                               " ORDER BY ptid, onshinryo_kbn, kaku_kakuninymd DESC, kaku_kakuninhms DESC",
                               {hosp, db::text_array(ptids)});
        for (int i = 0; i < r.rows(); ++i) target[{r.num(i, 0), r.str(i, 1)}] = r.str(i, 2);
    }
    std::vector<const HoumonRow*> inserts;
    std::map<std::string, std::size_t> inserted_at;  // a later row of the same patient updates the pending insert
    std::vector<HoumonRow> pending;
    for (const auto& h : rows) {
        const auto key = std::make_pair(h.ptid, h.onshinryo_kbn);
        const auto it = h.ptid > 0 ? target.find(key) : target.end();
        if (it == target.end()) {
            pending.push_back(h);
            if (h.ptid > 0) target[key] = h.tbl_uuid, inserted_at[h.tbl_uuid] = pending.size() - 1;
            continue;
        }
        if (const auto p = inserted_at.find(it->second); p != inserted_at.end()) {
            HoumonRow merged = h;
            merged.tbl_uuid = it->second;
            pending[p->second] = merged;
            continue;
        }
        db.exec("UPDATE tbl_onshi_houmon SET shokai_kbn = '', hknjanum = $3, kigo = $4, num = $5, edaban = $6, ftnjanum = $7,"
                " jkysnum = $8, doui_startymd = $9, doui_endymd = $10, kaku_kakuninymd = $11, kaku_kakuninhms = $12,"
                " gendo_shutokuflg = $13, sikkan_shutokuflg = $14, kenshin_douiflg = $15, yakuzai_douiflg = $16,"
                " shinryo_douiflg = $17, ope_douiflg = $18, opid = '', upymd = $19, uphms = $20"
                " WHERE hospnum = $1 AND tbl_uuid = $2",
                {hosp, it->second, h.hknjanum, h.kigo, h.num, h.edaban, h.ftnjanum, h.jkysnum, h.doui_startymd, h.doui_endymd,
                 h.kaku_kakuninymd, h.kaku_kakuninhms, h.gendo_shutokuflg, h.sikkan_shutokuflg, h.kenshin_douiflg,
                 h.yakuzai_douiflg, h.shinryo_douiflg, h.ope_douiflg, ymd, hms});
    }
    if (pending.empty()) return;
    std::string data;
    for (const auto& h : pending)
        line(data, {hosp, h.tbl_uuid, std::to_string(h.ptid), h.onshinryo_kbn, "", h.hknjanum, h.kigo, h.num, h.edaban, h.ftnjanum,
                    h.jkysnum, h.doui_startymd, h.doui_endymd, "", "", h.kenshin_douiflg, h.yakuzai_douiflg, h.shinryo_douiflg,
                    h.ope_douiflg, h.gendo_shutokuflg, h.sikkan_shutokuflg, h.kaku_kakuninymd, h.kaku_kakuninhms, "", "", "", "", "",
                    ymd, hms, ymd, hms});
    db::Connection::Copy c(db, std::string("COPY tbl_onshi_houmon (") + kHoumonColumns + cols.houmon.names + ") FROM STDIN");
    c.put(with_values(data, cols.houmon.values));
    c.finish();
}

void copy_aid(db::Connection& db, const OrcaColumns& cols, int hospnum, const std::vector<AidRow>& rows, const std::string& ymd, const std::string& hms) {
    if (rows.empty()) return;
    std::string data;
    const std::string hosp = std::to_string(hospnum);
    for (const auto& a : rows)
        line(data, {hosp, a.tbl_uuid, a.fujyo_uuid, std::to_string(a.ptid), a.ftnjanum, a.jkysnum, std::to_string(a.rennum), "", "",
                    a.medical_type, "", a.sryym, a.kofunum, "0", "", "", "", "", ymd, hms, ymd, hms});
    db::Connection::Copy c(db, std::string("COPY tbl_onshi_aidlst (") + kAidColumns + cols.aid.names + ") FROM STDIN");
    c.put(with_values(data, cols.aid.values));
    c.finish();
}

std::string to_payload(const std::vector<KakuRow>& kaku, const std::vector<HoumonRow>& houmon, const std::vector<AidRow>& aid) {
    std::string p;
    for (const auto& k : kaku) p += "K\t" + kaku_copy_line(k);
    for (const auto& h : houmon) p += "H\t" + houmon_line(h);
    for (const auto& a : aid) p += "A\t" + aid_line(a);
    return p;
}

ConsentRows from_payload(std::string_view payload) {
    ConsentRows out;
    std::istringstream in{std::string(payload)};
    for (std::string l; std::getline(in, l);) {
        if (l.size() < 2) continue;
        const auto f = db::split_copy_line(std::string_view(l).substr(2));
        const auto n = [&](std::size_t i) { return std::stoll(f.at(i)); };
        switch (l[0]) {
        case 'K': {
            if (f.size() != kColumnCount) throw Error(Errc::internal, "a held row has " + std::to_string(f.size()) + " columns");
            KakuRow r;
            for (std::size_t i = 0; i < kColumnCount; ++i) r.at(i) = f[i];
            out.kaku.push_back(std::move(r));
            break;
        }
        case 'H':
            out.houmon.push_back(HoumonRow{n(0), f.at(1), f.at(2), f.at(3), f.at(4), f.at(5), f.at(6), f.at(7), f.at(8), f.at(9),
                                           f.at(10), f.at(11), f.at(12), f.at(13), f.at(14), f.at(15), f.at(16), f.at(17), f.at(18)});
            break;
        case 'A':
            out.aid.push_back(AidRow{f.at(0), f.at(1), n(2), f.at(3), f.at(4), static_cast<int>(n(5)), f.at(6), f.at(7), f.at(8)});
            break;
        default: throw Error(Errc::internal, "unknown line in a held unit's payload");
        }
    }
    return out;
}

}  // namespace onshi::bridge
