// `serve`: the simulator acting as the OQS 連携アプリ for the 訪問診療等 bulk prefix (OQSmuhvq):
// polls a request folder, answers 01req with a 受付番号 and 02req with 処理中 (SegmentOfResult 2)
// K times, then with the units whose 同意年月日 lies in the requested range.
#pragma once

#include "population.hpp"
#include "result_xml.hpp"

#include <string>
#include <vector>

namespace onshi::sim {

enum class Fault { none, err01, err02, seg9, malformed };

struct ServeOptions {
    std::string req_dir, res_dir;
    std::string state_file;        // "" = receptions are kept in memory only
    int processing = 1;            // 処理中 answers before the result
    int delay_ms = 200;            // between reading a request and answering it
    int poll_ms = 100;
    double exit_after_s = 0;       // 0 = run until SIGTERM / SIGINT
    ResultStyle style;
    bool zip = false;              // 02res as .zip
    Fault fault = Fault::none;
    std::string today;             // population date (YYYYMMDD) and QualificationConfirmationDate
    bool pin_date = false;         // true (--today given): timestamps use `today` as their date part
};

// Runs until a signal or exit_after_s; returns the process exit status (0). Throws Error(io) if a
// folder cannot be read at start.
int serve(const std::vector<Person>& people, const ServeOptions& options);

}  // namespace onshi::sim
