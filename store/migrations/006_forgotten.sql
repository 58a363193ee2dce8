-- People erased with `overtime forget`: the SHA-256 of each of their
-- identities, never the identity itself, so that collectors do not bring
-- them back and the erasure keeps no readable trace of who was erased.
CREATE TABLE forgotten_identities (
    digest       VARCHAR PRIMARY KEY,   -- sha256(identity), hex
    forgotten_at TIMESTAMP NOT NULL
);
