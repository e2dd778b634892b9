-- 0002 (PostgreSQL twin): server-side session revocation. A login cookie issued before this time is refused,
-- so logout, disabling an account and a password reset end every copy of its cookie at once.
ALTER TABLE users ADD COLUMN sessions_valid_after TIMESTAMPTZ;
