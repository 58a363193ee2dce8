-- Forgotten identities are kept as HMAC-SHA256 digests under a key of this
-- database's own, so that a copy of the file does not tell whether a given
-- email was erased (an unkeyed SHA-256 of an email is found by hashing a
-- list of guesses). The program draws the key (32 random bytes) when it
-- opens a database whose erasure_key is empty, and keeps it as HMAC's
-- inner and outer padded keys so that SQL computes the digest itself.
CREATE TABLE erasure_key (
    inner_pad BLOB NOT NULL,   -- key XOR 0x36 repeated, 64 bytes
    outer_pad BLOB NOT NULL    -- key XOR 0x5c repeated, 64 bytes
);

-- Digests written by earlier releases: plain SHA-256 of the identity. They
-- cannot be re-keyed without the identity, so they are kept and still
-- matched; forgetting the same identity again replaces its digest.
CREATE TABLE forgotten_unkeyed (
    digest VARCHAR PRIMARY KEY   -- sha256(identity), hex
);
INSERT INTO forgotten_unkeyed SELECT digest FROM forgotten_identities;
DELETE FROM forgotten_identities;

-- HMAC-SHA256(key, identity) in hex: H(outer || H(inner || identity)).
CREATE MACRO forgotten_digest(identity) AS sha256(
    (SELECT outer_pad FROM erasure_key)
    || unhex(sha256((SELECT inner_pad FROM erasure_key) || encode(identity))));

-- Whether an identity was erased with `overtime forget`.
CREATE MACRO is_forgotten(identity) AS coalesce(
    forgotten_digest(identity) IN (SELECT digest FROM forgotten_identities)
    OR sha256(identity) IN (SELECT digest FROM forgotten_unkeyed), false);
