-- Version 2: every bulk target, PDFs, cancellation, schedules.

ALTER TABLE onshi.job DROP CONSTRAINT job_state;
ALTER TABLE onshi.job ADD CONSTRAINT job_state
    CHECK (state IN ('queued','requested','received','polling','done','failed','expired','cancelled'));
ALTER TABLE onshi.job ADD COLUMN scheduled_for timestamptz;  -- set when the daemon's schedule queued it
ALTER TABLE onshi.job ADD COLUMN note text NOT NULL DEFAULT '';  -- what staff should know (e.g. 医療券 not yet uploaded)
DROP INDEX onshi.job_open;
CREATE INDEX job_open ON onshi.job (id) WHERE state NOT IN ('done','failed','expired','cancelled');
-- One scheduled job per facility, kind and slot, however many daemons run.
CREATE UNIQUE INDEX job_schedule_slot ON onshi.job (hospnum, kind, scheduled_for) WHERE scheduled_for IS NOT NULL;

-- 照会番号一括登録 answers carry no qualification: the unit is recorded, not written.
ALTER TABLE onshi.result_unit DROP CONSTRAINT result_unit_status_check;
ALTER TABLE onshi.result_unit ADD CONSTRAINT result_unit_status_check
    CHECK (status IN ('written','held','registered','rejected'));

-- 資格有効性確認: what changed against the patient's previous confirmation.
CREATE TABLE onshi.validity_change (
    job_id  bigint NOT NULL REFERENCES onshi.job (id),
    ptid    bigint NOT NULL,
    hknid   bigint NOT NULL DEFAULT 0,
    change  text NOT NULL CHECK (change IN ('invalid','new','not_found','multiple','ratio','enddate')),
    before  text NOT NULL DEFAULT '',
    after   text NOT NULL DEFAULT '',
    PRIMARY KEY (job_id, ptid, hknid, change)
);

-- 薬剤情報 / 特定健診 PDFs stored for a job (the file lives in the facility's pdf_dir).
CREATE TABLE onshi.pdf_file (
    job_id     bigint PRIMARY KEY REFERENCES onshi.job (id),
    hospnum    smallint NOT NULL,
    ptid       bigint NOT NULL,
    type       text NOT NULL CHECK (type IN ('drug','checkup')),
    path       text NOT NULL,
    bytes      bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
