-- fetches: every HTTP fetch of the nightly runs, appended (a log); the raw bodies are in data/raw/<sha[:2]>/<sha>
CREATE TABLE IF NOT EXISTS fetches (
    url VARCHAR NOT NULL,                   -- the URL asked for (catalog, listing page or attachment link)
    outcome VARCHAR NOT NULL CHECK (outcome IN ('downloaded', 'not_modified', 'failed')),  -- downloaded, not_modified or failed
    status INTEGER,                         -- HTTP status of the last answer; NULL when none came
    final_url VARCHAR,                      -- after redirects
    sha256 VARCHAR,                         -- the body's hash (for not_modified: the archived body's)
    bytes BIGINT NOT NULL,                  -- bytes downloaded (0 for not_modified and failures)
    etag VARCHAR,                           -- validator for the next conditional GET
    last_modified VARCHAR,                  -- validator for the next conditional GET
    content_type VARCHAR,                   -- as the server declared it (the type is sniffed from the bytes)
    error VARCHAR,                          -- the reason when outcome is failed
    parent_url VARCHAR,                     -- the listing page or report page that linked to this URL
    fetched_at TIMESTAMP NOT NULL,          -- when the last attempt ended (UTC)
    attempts INTEGER NOT NULL               -- attempts made, retries included
);
