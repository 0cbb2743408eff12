// orca-onshi p031: the list ORCA's P031 shows for a day, one page of 50 rows as P031 pages it.
#include "core/text.hpp"
#include "cli/common.hpp"

#include "app/clock.hpp"
#include "core/dates.hpp"
#include "p031_bridge/p031_query.hpp"

#include <algorithm>
#include <cstdio>

namespace onshi::cli {

int cmd_p031(const app::Config& cfg, const Args& a) {
    a.only({"hospnum", "date", "view", "all", "page", "format"});
    bridge::P031Selection sel;
    sel.hospnum = a.hospnum();
    (void)cfg.facility(sel.hospnum);  // a configured facility only
    sel.ymd = check_date("date", a.get("date").value_or(dates::today()));
    const std::string view_name = a.get("view").value_or("all");
    const auto view = bridge::p031_view_named(view_name);
    if (!view) throw Error(Errc::usage, "--view must be all, homecare or online");
    sel.view = *view;
    if (const auto v = a.get("all")) {  // a flag; accept an explicit yes/1/true too
        if (*v != "yes" && *v != "1" && *v != "true") throw Error(Errc::usage, "--all takes no value");
        sel.all_rows = true;
    }
    int page = 1;
    if (const auto p = a.get("page")) {
        if (!text::all_digits(*p) || p->size() > 6 || std::stoi(*p) < 1)
            throw Error(Errc::usage, "--page must be a page number from 1");
        page = std::stoi(*p);
    }
    const std::string format = a.get("format").value_or("text");
    if (format != "text" && format != "tsv") throw Error(Errc::usage, "--format must be text or tsv");

    auto db = connect(cfg);
    const auto rows = bridge::p031_rows(db, sel);
    auto pg = bridge::p031_page(rows.size(), page);
    if (pg.page > pg.pages)
        throw Error(Errc::usage, "--page " + std::to_string(page) + ": the list has " + std::to_string(pg.pages) +
                                     (pg.pages == 1 ? " page" : " pages"));
    if (format == "tsv" && !a.get("page")) {  // tsv is for scripts: the whole list unless a page is asked for
        pg.first = 0;
        pg.count = rows.size();
    }

    std::vector<std::vector<std::string>> table;
    table.emplace_back(bridge::p031_titles().begin(), bridge::p031_titles().end());
    for (std::size_t i = pg.first; i < pg.first + pg.count; ++i)  // 番号 runs on over the pages
        table.push_back(bridge::p031_cells(rows[i], static_cast<int>(i + 1), sel.ymd));
    if (format == "tsv") {
        for (const auto& line : table) {
            for (std::size_t i = 0; i < line.size(); ++i) std::printf("%s%s", i ? "\t" : "", line[i].c_str());
            std::printf("\n");
        }
        return 0;
    }
    std::vector<std::size_t> w(table[0].size(), 0);
    for (const auto& line : table)
        for (std::size_t i = 0; i < line.size(); ++i) w[i] = std::max(w[i], width(line[i]));
    // As P031's 見出し: F9 全対象 appends （全対象） to the filter's name.
    std::string label(bridge::p031_view_label(sel.view));
    if (sel.all_rows) label += "（全対象）";
    std::printf("(P031) オンライン資格確認  確認日 %s %s  %s  %zu件  %d/%dページ\n", dates::wareki(sel.ymd).c_str(),
                sel.ymd.c_str(), label.c_str(), rows.size(), pg.page, pg.pages);
    for (const auto& line : table) {
        std::string out;
        for (std::size_t i = 0; i < line.size(); ++i) {
            out += line[i];
            if (i + 1 < line.size()) out += std::string(w[i] - width(line[i]) + 1, ' ');
        }
        while (!out.empty() && out.back() == ' ') out.pop_back();
        std::printf("%s\n", out.c_str());
    }
    return 0;
}

}  // namespace onshi::cli
