-- A report made without an account may add its photos for a short while after it is
-- sent, with the token its answer carried: kept here as its SHA-256 only, with the
-- time it stops working (docs/casework.md).
ALTER TABLE casefile ADD COLUMN photo_token_hash TEXT;
ALTER TABLE casefile ADD COLUMN photo_token_until INTEGER;
CREATE UNIQUE INDEX casefile_photo_token ON casefile (photo_token_hash);
