-- 0001: the JAG schema. Every later change is a new numbered file; this one
-- is never edited once released.

-- Participants are STIX identities (national CERTs, agencies) that may submit.
CREATE TABLE participants (
    id          text        PRIMARY KEY CHECK (id ~ '^identity--[0-9a-f-]{36}$'),
    name        text        NOT NULL CHECK (name <> ''),
    country     text,
    sector      text,
    identity    jsonb       NOT NULL,            -- the STIX identity object the hub publishes
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Public keys of participants. Exactly one algorithm per key; revocation is
-- a timestamp so every replica sees it on its next read.
CREATE TABLE participant_keys (
    kid             text        PRIMARY KEY CHECK (length(kid) BETWEEN 1 AND 128),
    participant_id  text        NOT NULL REFERENCES participants (id),
    alg             text        NOT NULL CHECK (alg IN ('EdDSA', 'ES256', 'ES384', 'PS256', 'RS256')),
    jwk             jsonb       NOT NULL,        -- public JWK only
    not_before      timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX participant_keys_participant ON participant_keys (participant_id);

-- The hub's own signing keys (access tokens, receipts). The newest
-- non-retired key signs; retired keys stay published until their tokens expire.
CREATE TABLE hub_keys (
    kid          text        PRIMARY KEY,
    alg          text        NOT NULL,
    private_jwk  jsonb       NOT NULL,
    public_jwk   jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    retired_at   timestamptz
);

-- Revoked access-token ids, shared by all replicas. Rows may be purged
-- once expires_at has passed (the token is dead anyway).
CREATE TABLE tokens_revoked (
    jti         text        PRIMARY KEY,
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz NOT NULL DEFAULT now()
);

-- One accepted POST /v1/bundles. digest identifies the bundle content
-- (sha256 over the sorted (id, modified, sha256) list) for idempotent retries.
CREATE TABLE submissions (
    id          text        PRIMARY KEY CHECK (id ~ '^submission--[0-9a-f-]{36}$'),
    org         text        NOT NULL REFERENCES participants (id),
    received    timestamptz NOT NULL,
    bundle_id   text        NOT NULL,
    digest      bytea       NOT NULL,
    accepted    integer     NOT NULL,
    duplicates  integer     NOT NULL,
    receipt     text        NOT NULL           -- hub-signed compact JWS
);
CREATE INDEX submissions_org_digest ON submissions (org, digest);

-- Every version of every object, with the exact bytes that were signed.
-- modified keeps the original string: PostgreSQL rounds timestamps to
-- microseconds and STIX allows nanoseconds.
CREATE TABLE objects (
    id           text        NOT NULL,
    modified     text        NOT NULL,
    modified_at  timestamptz NOT NULL,
    type         text        NOT NULL,
    created_at   timestamptz NOT NULL,
    created_by   text        NOT NULL,
    tlp          text        NOT NULL CHECK (tlp IN ('clear', 'green', 'amber', 'amber+strict', 'red')),
    recipients   text[],                         -- NULL when the object names none
    revoked      boolean     NOT NULL DEFAULT false,
    valid_from   timestamptz,
    valid_until  timestamptz,
    confidence   smallint,
    labels       text[]      NOT NULL DEFAULT '{}',
    name         text,
    description  text,
    raw          bytea       NOT NULL,           -- original bytes as received
    sha256       bytea       NOT NULL,           -- sha256 of the JCS form of the whole object
    signature    text        NOT NULL,
    kid          text        NOT NULL,
    submission   text        NOT NULL REFERENCES submissions (id),
    received     timestamptz NOT NULL,
    PRIMARY KEY (id, modified)
);
CREATE INDEX objects_received ON objects (received, id, modified);
CREATE INDEX objects_created_by ON objects (created_by);
CREATE INDEX objects_type ON objects (type);

-- Typed index rows extracted from indicator patterns and SCOs.
CREATE TABLE observables (
    object_id  text NOT NULL,
    modified   text NOT NULL,
    kind       text NOT NULL,                    -- ipv4, ipv6, domain, url, email, md5, sha1, sha256, sha512, ...
    value      text NOT NULL,                    -- normalised value
    net        inet,                             -- addresses and CIDRs (ipv4, ipv6)
    path       text NOT NULL,                    -- object path as written in the pattern
    op         text NOT NULL,                    -- =, IN, ISSUBSET
    FOREIGN KEY (object_id, modified) REFERENCES objects (id, modified)
);
CREATE INDEX observables_value ON observables (kind, value);
CREATE INDEX observables_net ON observables USING gist (net inet_ops) WHERE net IS NOT NULL;
CREATE INDEX observables_object ON observables (object_id, modified);

-- The append-only feed log: one row per accepted object version. seq gives
-- the single total order every replica delivers in (see feeds/ for how the
-- tailer avoids skipping late commits).
CREATE TABLE events (
    seq         bigserial   PRIMARY KEY,
    object_id   text        NOT NULL,
    modified    text        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('object.created', 'object.updated', 'object.revoked')),
    org         text        NOT NULL,
    received    timestamptz NOT NULL,
    FOREIGN KEY (object_id, modified) REFERENCES objects (id, modified)
);

-- jag_visible is the one visibility rule (API.md section 2) as SQL; it is a
-- single expression so the planner inlines it into every read path. Its Go
-- twin is auth.Visible; a property test proves they agree.
--   tlp        the object's TLP ('clear' .. 'red')
--   recipients the object's recipients (NULL when none were named)
--   creator    the object's created_by
--   org, tier  the principal ('' and '' for an anonymous request)
-- "The creating org always sees its own objects" is granted to the org's
-- member tier only: a client or community token never widens through it.
CREATE FUNCTION jag_visible(tlp text, recipients text[], creator text, org text, tier text)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT (tier = 'member' AND org <> '' AND creator = org)
        OR ((recipients IS NULL OR (org <> '' AND org = ANY (recipients)))
            AND CASE tlp
                    WHEN 'clear'        THEN true
                    WHEN 'green'        THEN tier IN ('member', 'client', 'community')
                    WHEN 'amber'        THEN tier IN ('member', 'client')
                    WHEN 'amber+strict' THEN tier = 'member'
                    WHEN 'red'          THEN tier = 'member' AND recipients IS NOT NULL
                    ELSE false
                END)
$$;
