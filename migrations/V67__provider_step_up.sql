-- A sign-in sent to the provider may be a signed-in person's fresh proof before keys rather than a
-- sign-in: it then names the account that must come back, and "next" is the page to return to.
ALTER TABLE sso_logins ADD COLUMN step_up_user bigint REFERENCES users (id) ON DELETE CASCADE;
