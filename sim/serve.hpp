// `serve`: the simulator acting as the OQS 連携アプリ. Polls a request folder and answers
//  - the two-phase bulk kinds (OQSmuhvq 訪問診療, OQSmuonq オンライン診療, OQSmutic 医療扶助,
//    OQSmuquc 資格確認, OQSmuimm 照会番号登録): 01req with a 受付番号, 02req with 処理中
//    (SegmentOfResult 2) K times, then with the result;
//  - the per-patient documents (YZKsiquc 薬剤情報, TKKsiquc 特定健診): 01req with a PDF or an
//    error XML.
#pragma once

#include "https_front.hpp"
#include "population.hpp"
#include "result_xml.hpp"
#include "units.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace onshi::sim {

struct ServeOptions {
    std::string req_dir, res_dir;
    std::string state_file;        // "" = receptions and 照会番号 registrations are kept in memory only
    int processing = 1;            // 処理中 answers before the result
    double processing_s = 0;       // and 処理中 while the 01req was accepted less than this long ago (0 = off)
    int delay_ms = 200;            // between reading a request and answering it
    int poll_ms = 100;
    double exit_after_s = 0;       // 0 = run until SIGTERM / SIGINT
    ResultStyle style;
    bool zip = false;              // 02res as .zip
    Faults faults;
    std::uint64_t change_seed = 0;  // OQSmuquc: changes injected with draw_change(seed, rate, index)
    int change_rate = 0;           // percent
    int welfare_pending_until = 0; // OQSmutic: 医療券 not uploaded while today's day < this (0 = never)
    std::string today;             // population date (YYYYMMDD) and QualificationConfirmationDate
    bool pin_date = false;         // true (--today given): timestamps use `today` as their date part
    std::optional<HttpsOptions> https;  // --https: the HTTPS front over req_dir/res_dir as well
};

// Runs until a signal or exit_after_s; returns the process exit status (0). Throws Error(io) if a
// folder cannot be read at start.
int serve(const std::vector<Person>& people, const ServeOptions& options);

}  // namespace onshi::sim
