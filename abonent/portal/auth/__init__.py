"""The portal's login side: sign-up, login with an optional second factor, password reset, the profile,
and linking billing accounts to the login. Views only: the rules live in abonent.users.portal_logins and
abonent.customers.linking."""
