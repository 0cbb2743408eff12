-- Version 4: the screens (orca-onshid's web server). Every write made through them, with who made it.
CREATE TABLE onshi.web_audit (
    at     timestamptz NOT NULL DEFAULT now(),
    usr    text NOT NULL,
    action text NOT NULL,
    detail text NOT NULL DEFAULT ''
);
CREATE INDEX web_audit_at ON onshi.web_audit (at);
