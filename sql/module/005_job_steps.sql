-- Version 5: the step runner (issue 15). A job's state is its next step (queued: send 01req;
-- requested: await 01res; received: send 02req; polling: await 02res, then ingest with its
-- post-steps in the same commit); next_at is when that step is due. A runner claims due jobs
-- (FOR UPDATE SKIP LOCKED + the job's advisory lock), does one step and stores the next time, so a
-- job waiting for OQS costs a row, not a thread.
-- (Numbered 6, not 5: another change may bring a 005.)
ALTER TABLE onshi.job ADD COLUMN next_at timestamptz NOT NULL DEFAULT now();
-- Lower first: 0 staff's requests (CLI, screens, ORCA's button), 1 scheduled ones.
ALTER TABLE onshi.job ADD COLUMN priority smallint NOT NULL DEFAULT 0;
UPDATE onshi.job SET priority = 1 WHERE scheduled_for IS NOT NULL;
CREATE INDEX job_due ON onshi.job (hospnum, priority, next_at) WHERE state NOT IN ('done','failed','expired','cancelled');

-- A new job, or a finished one opened again (resume), wakes the runners at once (LISTEN onshi_job):
-- whoever queues it, the CLI, the screens or the daemon's own schedules.
CREATE FUNCTION onshi.job_wake() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM pg_notify('onshi_job', NEW.hospnum::text);
    RETURN NULL;
END
$fn$;
CREATE TRIGGER job_wake_insert AFTER INSERT ON onshi.job FOR EACH ROW EXECUTE FUNCTION onshi.job_wake();
CREATE TRIGGER job_wake_reopen AFTER UPDATE OF state ON onshi.job FOR EACH ROW
    WHEN (OLD.state IN ('done','failed','expired','cancelled') AND NEW.state NOT IN ('done','failed','expired','cancelled'))
    EXECUTE FUNCTION onshi.job_wake();
