// Schema versions, applied in order inside one transaction each; PRAGMA user_version records
// how far a database has come. Never edit a shipped migration: add the next one.

export const MIGRATIONS: string[] = [
  // 1: the outbox and everything delivery needs to survive a restart.
  `
  CREATE TABLE inbox (
    id              INTEGER PRIMARY KEY,
    received_at     INTEGER NOT NULL,            -- ms since epoch
    request_id      TEXT,                        -- Sentry's Request-ID header
    dedup_key       TEXT,                        -- same event + resource + action
    resource        TEXT NOT NULL,
    action          TEXT NOT NULL,
    body            BLOB NOT NULL,               -- the exact bytes Sentry sent
    chat_id         TEXT NOT NULL,
    thread_id       INTEGER,
    group_key       TEXT,                        -- storm control: repeats share it
    state           TEXT NOT NULL DEFAULT 'pending', -- pending | sent | merged | parked
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    message_id      INTEGER,                     -- the Telegram message that carries it
    done_at         INTEGER
  );
  CREATE UNIQUE INDEX inbox_request_id ON inbox(request_id) WHERE request_id IS NOT NULL;
  CREATE UNIQUE INDEX inbox_dedup_key ON inbox(dedup_key) WHERE dedup_key IS NOT NULL;
  CREATE INDEX inbox_pending ON inbox(chat_id, id) WHERE state = 'pending';
  CREATE INDEX inbox_due ON inbox(chat_id, next_attempt_at) WHERE state = 'pending';
  CREATE INDEX inbox_done ON inbox(done_at) WHERE state <> 'pending';

  -- One Telegram message per (group key, chat): repeats edit it instead of posting again.
  CREATE TABLE messages (
    chat_id      TEXT NOT NULL,
    message_id   INTEGER NOT NULL,
    thread_id    INTEGER,
    group_key    TEXT,                           -- null for messages that are not grouped
    kind         TEXT NOT NULL,                  -- alert | digest
    count        INTEGER NOT NULL DEFAULT 1,     -- alerts reflected in this message
    first_seen   INTEGER NOT NULL,
    last_seen    INTEGER NOT NULL,
    alert_id     INTEGER,                        -- inbox row rendered as the message body
    content      TEXT,                           -- digest lines (JSON) or status
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (chat_id, message_id)
  );
  CREATE INDEX messages_group ON messages(group_key, chat_id, last_seen);
  CREATE INDEX messages_updated ON messages(updated_at);

  -- Digest lines point at the digest message that lists them.
  CREATE TABLE digest_entries (
    chat_id     TEXT NOT NULL,
    group_key   TEXT NOT NULL,
    message_id  INTEGER NOT NULL,
    PRIMARY KEY (chat_id, group_key)
  );

  CREATE TABLE chat_migrations (
    old_chat_id TEXT PRIMARY KEY,
    new_chat_id TEXT NOT NULL,
    at          INTEGER NOT NULL
  );

  CREATE TABLE attempts (
    id        INTEGER PRIMARY KEY,
    inbox_id  INTEGER NOT NULL,
    at        INTEGER NOT NULL,
    outcome   TEXT NOT NULL,                     -- sent | retry | plain | parked | ...
    detail    TEXT
  );
  CREATE INDEX attempts_inbox ON attempts(inbox_id);
  CREATE INDEX attempts_at ON attempts(at);

  CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,

  // 2: acting on alerts. One message per Sentry issue carries the state and, when
  // write-back is on, its buttons; mutes silence one issue in one chat.
  `
  -- Issue state as last shown on the message (null for messages that are not about an issue).
  ALTER TABLE messages ADD COLUMN issue_id TEXT;
  ALTER TABLE messages ADD COLUMN status TEXT;        -- unresolved | resolved | ignored
  ALTER TABLE messages ADD COLUMN substatus TEXT;
  ALTER TABLE messages ADD COLUMN assignee TEXT;
  ALTER TABLE messages ADD COLUMN status_line TEXT;   -- e.g. "✅ Resolved by @jane · 14:02 UTC"
  ALTER TABLE messages ADD COLUMN changed_by TEXT;
  ALTER TABLE messages ADD COLUMN changed_at INTEGER;

  -- Issues are keyed by their Sentry id alone (ids are unique per Sentry instance; project
  -- slugs differ between payload types): issue:<project>:<id> becomes issue:<id>.
  UPDATE inbox SET group_key = 'issue:' || replace(group_key, rtrim(group_key, replace(group_key, ':', '')), '')
    WHERE group_key LIKE 'issue:%:%';
  UPDATE messages SET group_key = 'issue:' || replace(group_key, rtrim(group_key, replace(group_key, ':', '')), '')
    WHERE group_key LIKE 'issue:%:%';
  UPDATE OR REPLACE digest_entries SET group_key = 'issue:' || replace(group_key, rtrim(group_key, replace(group_key, ':', '')), '')
    WHERE group_key LIKE 'issue:%:%';
  UPDATE messages SET issue_id = substr(group_key, 7) WHERE group_key LIKE 'issue:%' AND kind = 'alert';
  CREATE INDEX messages_issue ON messages(chat_id, issue_id) WHERE issue_id IS NOT NULL;

  -- callback_data holds only "a:<key>:<action>" (Telegram allows 64 bytes): the rest is here.
  CREATE TABLE callbacks (
    key         TEXT PRIMARY KEY,
    chat_id     TEXT NOT NULL,
    message_id  INTEGER NOT NULL,
    issue_id    TEXT NOT NULL,
    org         TEXT NOT NULL,
    created_at  INTEGER NOT NULL
  );
  CREATE INDEX callbacks_message ON callbacks(chat_id, message_id);

  -- /mute: alerts for the issue are not posted in the chat before the until column (ms since epoch).
  CREATE TABLE mutes (
    id          INTEGER PRIMARY KEY,
    chat_id     TEXT NOT NULL,
    issue_id    TEXT,                            -- Sentry issue id, when known
    short_id    TEXT,                            -- e.g. FRONT-END-9, when given
    label       TEXT NOT NULL,                   -- how /status names it
    until       INTEGER NOT NULL,
    created_by  TEXT,
    created_at  INTEGER NOT NULL
  );
  CREATE INDEX mutes_chat ON mutes(chat_id, until);
  `,

  // 3: the table of accepted alerts is the outbox, as everywhere else (code, README, /health).
  // Indexes are renamed with it; rows, ids and their attempts are kept as they are.
  `
  ALTER TABLE inbox RENAME TO outbox;
  ALTER TABLE attempts RENAME COLUMN inbox_id TO outbox_id;
  DROP INDEX inbox_request_id;
  DROP INDEX inbox_dedup_key;
  DROP INDEX inbox_pending;
  DROP INDEX inbox_due;
  DROP INDEX inbox_done;
  DROP INDEX attempts_inbox;
  CREATE UNIQUE INDEX outbox_request_id ON outbox(request_id) WHERE request_id IS NOT NULL;
  CREATE UNIQUE INDEX outbox_dedup_key ON outbox(dedup_key) WHERE dedup_key IS NOT NULL;
  CREATE INDEX outbox_pending ON outbox(chat_id, id) WHERE state = 'pending';
  CREATE INDEX outbox_due ON outbox(chat_id, next_attempt_at) WHERE state = 'pending';
  CREATE INDEX outbox_done ON outbox(done_at) WHERE state <> 'pending';
  CREATE INDEX attempts_outbox ON attempts(outbox_id);
  `,

  // 4: the normalised alert (JSON) is stored with the row, so delivery reads it instead of
  // normalising the body a second time. Rows from before keep it null and are normalised then.
  // outbox_pending is read by no query (pendingFor uses outbox_due), yet every insert and every
  // delivery updated it. messages_group ends in message_id, the order the issue lookup reads:
  // ending in last_seen, SQLite preferred the primary key and scanned every message of the chat.
  `
  ALTER TABLE outbox ADD COLUMN alert TEXT;
  DROP INDEX outbox_pending;
  DROP INDEX messages_group;
  CREATE INDEX messages_group ON messages(group_key, chat_id, message_id);
  `,

  // 5: routes. One alert may go to several chats (and forum topics), one row per target: the
  // idempotency keys are per target, so a redelivered webhook still adds no row anywhere, and
  // the route that chose the target is kept (its locale, template and quiet hours apply at send
  // time). ifnull(thread_id, 0): NULLs are distinct in a unique index; no topic has id 0.
  `
  ALTER TABLE outbox ADD COLUMN route TEXT;
  DROP INDEX outbox_request_id;
  DROP INDEX outbox_dedup_key;
  CREATE UNIQUE INDEX outbox_request_id ON outbox(request_id, chat_id, ifnull(thread_id, 0)) WHERE request_id IS NOT NULL;
  CREATE UNIQUE INDEX outbox_dedup_key ON outbox(dedup_key, chat_id, ifnull(thread_id, 0)) WHERE dedup_key IS NOT NULL;
  `,

  // 6: reading the queue under a backlog. The queue figures (/health, /status, metrics) count
  // parked and muted rows through their own small index instead of grouping every row of the
  // table (delivered rows, the bulk, are not in it; inserts never touch it), and the waiting rows
  // through outbox_queue without reading them. Delivery reads a chat's oldest waiting rows
  // through outbox_queue in id order and stops at its batch, instead of sorting every due row.
  `
  CREATE INDEX outbox_held ON outbox(state, done_at) WHERE state IN ('parked', 'muted');
  CREATE INDEX outbox_queue ON outbox(chat_id, id, route, received_at) WHERE state = 'pending';
  `,
];
