-- Version 3: the review list, and ORCA's 同意一括 button driving jobs.

-- What a person must look at. held: not written (外字 / ● in a name); the rows that would have been
-- written are kept (UTF-8 bytes: they hold what EUC_JP cannot) until someone decides.
-- flagged: written exactly as ORCA would (no patient, two patients, 保険 and 医療扶助 disagree,
-- 該当資格なし, a unit error), listed so a person can link or dismiss it.
CREATE TABLE onshi.review (
    id          bigserial PRIMARY KEY,
    hospnum     smallint NOT NULL,
    file_id     bigint NOT NULL REFERENCES onshi.result_file (id),
    seq         integer NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('held','flagged')),
    reason      text NOT NULL,
    ptid        bigint NOT NULL DEFAULT 0,
    tbl_uuids   text[] NOT NULL DEFAULT '{}',   -- flagged: the rows written
    payload     bytea,                          -- held: the rows to write (COPY text, UTF-8)
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open','accepted','rejected')),
    decided_by  text NOT NULL DEFAULT '',
    decided_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (file_id, seq)
);
CREATE INDEX review_open ON onshi.review (hospnum) WHERE status = 'open';

CREATE TABLE onshi.review_audit (
    review_id bigint NOT NULL REFERENCES onshi.review (id),
    action    text NOT NULL,
    operator  text NOT NULL,
    detail    text NOT NULL DEFAULT '',
    at        timestamptz NOT NULL DEFAULT now()
);

-- A job started by ORCA's P031/P0311 同意一括 (tbl_jobkanri row), written in the consent style.
ALTER TABLE onshi.job ADD COLUMN orca_jobid integer;
ALTER TABLE onshi.job ADD COLUMN orca_shellid text NOT NULL DEFAULT '';
ALTER TABLE onshi.job ADD COLUMN style text NOT NULL DEFAULT '' CHECK (style IN ('', 'star', 'consent'));
CREATE UNIQUE INDEX job_orca_request ON onshi.job (hospnum, file_identifier) WHERE orca_jobid IS NOT NULL;
