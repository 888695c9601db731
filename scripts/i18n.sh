#!/usr/bin/env bash
# Refresh the message catalogue after changing UI text:
#   scripts/i18n.sh          extract messages.pot and merge it into every language's .po
# Then translate the new entries in social_market/i18n/locales/<lang>/LC_MESSAGES/messages.po
# (tests/unit/test_i18n_catalog.py fails until every entry is translated).
set -euo pipefail
cd "$(dirname "$0")/.."
KEYWORDS=(-k t -k tn:1,2 -k N_ -k _t -k InvalidInput -k NotAllowed -k RateLimited
  -k InvalidToken -k NotFound -k DomainError)
.venv/bin/pybabel extract -F babel.cfg "${KEYWORDS[@]}" --no-location --sort-output \
  --project "Social Market" --copyright-holder "Social Market" \
  -o social_market/i18n/messages.pot . >/dev/null 2>&1
for po in social_market/i18n/locales/*/LC_MESSAGES/messages.po; do
  lang=$(basename "$(dirname "$(dirname "$po")")")
  .venv/bin/pybabel update -i social_market/i18n/messages.pot -d social_market/i18n/locales \
    -l "$lang" --ignore-obsolete --no-fuzzy-matching >/dev/null 2>&1
done
echo "catalogue updated: $(grep -c '^msgid ' social_market/i18n/messages.pot) messages"
