-- Audit entries with no user name or no action: every entry must say who did what.
SELECT id FROM audit_log WHERE coalesce(username, '') = '' OR coalesce(action, '') = ''
