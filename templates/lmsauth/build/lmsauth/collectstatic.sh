#!/bin/sh
# `collectstatic` at build time. Django must load the app's settings to run it: these
# placeholders satisfy them, are not secrets, and do not stay in the image's environment (the
# real values arrive at run time, from the env file or the Kubernetes Secret).
set -e
export LMSAUTH_LMS_URL=http://lms.invalid
export LMSAUTH_LMS_INTERNAL_URL=http://lms.invalid
export LMSAUTH_PUBLIC_URL=http://lmsauth.invalid
export LMSAUTH_CLIENT_ID=collectstatic
export LMSAUTH_CLIENT_SECRET=collectstatic
# The app imports the key at start-up: a well-formed 2048-bit modulus (2^2048 - 1), no real key.
n=$(python -c 'print("_" * 341 + "w")')
export LMSAUTH_JWT_PUBLIC_KEYS='{"keys":[{"kty":"RSA","kid":"collectstatic","n":"'"$n"'","e":"AQAB"}]}'
export LMSAUTH_JWT_ISSUER=http://lms.invalid/oauth2
export LMSAUTH_SECRET_KEY=collectstatic-placeholder-not-a-secret
export LMSAUTH_DATABASE_URL=sqlite:////tmp/collectstatic.sqlite3
exec python manage.py collectstatic --noinput
