// Submitting a request (a job) for the front ends: the CLI (fetch, register-refs, pdf, card consent)
// and the screens (POST /api/jobs, /api/register-refs, /api/pdf, /api/card/consent). The request is
// checked here, once, and refused with Error(usage, message in the asker's voice, field).
#pragma once

#include "db/pg.hpp"
#include "jobs/voice.hpp"
#include "jobs/job.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace onshi::jobs {

// A kind `fetch` / the screens' 資格一括取得 can ask for (bulk, rows). The screens: Error(usage, …, "kind")
// for anything else; the command line: kind_info's refusal for an unknown kind, then its own.
const KindInfo& bulk_kind(std::string_view kind, Voice v);

// A bulk request's parameters as the asker gave them: the dates and months of the field table
// (param_fields()), each read by `given` (the screens: by the field's key; the command line: by its option).
Params bulk_params(const std::function<std::string(const ParamField&)>& given);

// The PDF kind of a type (drug → pdf_drug, checkup → pdf_checkup); Error(usage, …, "type") otherwise.
Kind pdf_kind(std::string_view type, Voice v);

// The parameters as given, before the kind's defaults: dates that are dates, a month that is a
// month, ranges that go forwards, an examination range only for online and not with a consent range.
// The screens also need both ends of a range (the command line fills a missing end by default).
void check_params(Kind kind, const Params& p, Voice v);

// A request checked and with the kind's defaults filled, ready to be submitted.
struct JobRequest {
    int hospnum = 0;
    Kind kind = Kind::homecare;
    Params params;
    std::string opid;  // who asked (at most 16 bytes kept)
};
// Checks the request without the database (kind, check_params, a PDF's patient given, then the
// kind's defaults and Params::validate): the command line does this before it connects.
JobRequest prepare(int hospnum, Kind kind, Params params, const std::string& opid, Voice v);

struct Submitted {
    std::int64_t id = 0;
    bool resumed = false;  // an unfinished job with the same facility, kind and parameters was found
};

// A PDF only for a patient with that consent (Error(usage/not_found, …, "patient") otherwise: no job,
// no request); then the job is created, or its unfinished twin found.
Submitted submit(db::Connection& db, const JobRequest& r, Voice v);

}  // namespace onshi::jobs
