-- 0010 (PostgreSQL twin): a password someone else set (an admin's new account or reset, `followup
-- users passwd`) is known to them: its owner is asked for a new one at the next login, before any page opens.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN DEFAULT false;
