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

-- The digest is HMAC-SHA256(key, SHA-256(identity)), in hex: keyed like an
-- HMAC of the identity itself, and computable from the plain SHA-256
-- digests earlier releases stored, which the program re-keys (and then
-- erases from the file) once the key is drawn. Until then they wait here.
CREATE TABLE forgotten_unkeyed (
    digest       VARCHAR PRIMARY KEY,   -- sha256(identity), hex
    forgotten_at TIMESTAMP NOT NULL
);
INSERT INTO forgotten_unkeyed SELECT digest, forgotten_at FROM forgotten_identities;
DELETE FROM forgotten_identities;

-- HMAC-SHA256(key, m) = H(outer || H(inner || m)), m the 32 bytes of a
-- SHA-256 given in hex.
CREATE MACRO forgotten_digest_of_sha256(hash) AS sha256(
    (SELECT outer_pad FROM erasure_key)
    || unhex(sha256((SELECT inner_pad FROM erasure_key) || unhex(hash))));

CREATE MACRO forgotten_digest(identity) AS forgotten_digest_of_sha256(sha256(identity));

-- Whether an identity was erased with `overtime forget`.
CREATE MACRO is_forgotten(identity) AS
    EXISTS (SELECT 1 FROM forgotten_identities f WHERE f.digest = forgotten_digest(identity));
