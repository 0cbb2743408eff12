-- orca-onshi's own schema (never ORCA's tables). Version 1.

-- One bulk request to OQS and its life: a persisted state machine.
-- state: queued -> requested (01req written) -> received (01res: ReceptionNumber) -> polling (02req written)
--        -> received (処理中, ask again) ... -> done | failed | expired
CREATE TABLE onshi.job (
    id               bigserial PRIMARY KEY,
    hospnum          smallint NOT NULL,
    kind             text NOT NULL,
    params           jsonb NOT NULL DEFAULT '{}',
    file_identifier  text NOT NULL,            -- ArbitraryFileIdentifier we send
    reception_number text NOT NULL DEFAULT '', -- 受付番号 from 01res
    state            text NOT NULL DEFAULT 'queued',
    poll_count       integer NOT NULL DEFAULT 0,  -- 02req written so far
    attempts         integer NOT NULL DEFAULT 0,  -- runs that picked the job up
    opid             text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    requested_at     timestamptz,
    received_at      timestamptz,
    finished_at      timestamptz,
    units            integer,
    rows_written     integer,
    matched          integer,
    unmatched        integer,
    held             integer,
    error            text NOT NULL DEFAULT '',
    CONSTRAINT job_state CHECK (state IN ('queued','requested','received','polling','done','failed','expired'))
);
CREATE INDEX job_open ON onshi.job (hospnum, kind) WHERE state NOT IN ('done','failed','expired');

-- Every result file ingested, once: (hospnum, result_key) is the idempotency key.
-- result_key = 'R:' || ReceptionNumber, or 'S:' || sha256 of the file when it carries none.
CREATE TABLE onshi.result_file (
    id                bigserial PRIMARY KEY,
    hospnum           smallint NOT NULL,
    result_key        text NOT NULL,
    job_id            bigint REFERENCES onshi.job (id),
    file_name         text NOT NULL,
    file_identifier   text NOT NULL DEFAULT '',
    reception_number  text NOT NULL DEFAULT '',
    kakuninymd        text NOT NULL DEFAULT '',
    units             integer NOT NULL DEFAULT 0,
    rows_written      integer NOT NULL DEFAULT 0,
    matched           integer NOT NULL DEFAULT 0,
    unmatched         integer NOT NULL DEFAULT 0,
    held              integer NOT NULL DEFAULT 0,
    ingested_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (hospnum, result_key)
);

-- Audit: which unit of which file produced which tbl_onshi_kaku rows, or why it was held.
-- No names or insurance numbers here: ptid and the unit's ArbitraryIdentifier only.
CREATE TABLE onshi.result_unit (
    file_id    bigint NOT NULL REFERENCES onshi.result_file (id),
    seq        integer NOT NULL,
    sikibetu   text NOT NULL DEFAULT '',
    status     text NOT NULL CHECK (status IN ('written','held')),
    reason     text NOT NULL DEFAULT '',
    ptid       bigint NOT NULL DEFAULT 0,
    match_how  text NOT NULL DEFAULT '',
    flags      text NOT NULL DEFAULT '',    -- ambiguous / conflict / truncated columns
    tbl_uuids  text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (file_id, seq)
);
