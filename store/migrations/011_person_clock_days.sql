-- A clock that contradicts its person (docs/methodology.md): the UTC days on
-- which a person without a configured zone has +0000 stamps that their other
-- stamps, on both sides within a few days, contradict with one offset. Every
-- +0000 stamp of the person on such a day is read at read_as instead of
-- +0000. Rebuilt with the people snapshot by every analysis.
CREATE TABLE person_clock_days (
    person_id VARCHAR NOT NULL,
    utc_day   INTEGER NOT NULL, -- days since 1970-01-01, UTC
    read_as   INTEGER NOT NULL, -- seconds east of UTC the day's +0000 stamps are read at
    stamps    INTEGER NOT NULL, -- the day's +0000 stamps (all read at read_as)
    PRIMARY KEY (person_id, utc_day)
);
