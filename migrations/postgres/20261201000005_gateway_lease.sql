-- Who holds the Discord gateway when several Herald instances share this database: one
-- row, taken when free or expired and renewed by its holder; the others stand by.
CREATE TABLE gateway_lease (
    id       INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    holder   TEXT    NOT NULL,
    until_ms BIGINT  NOT NULL
);
