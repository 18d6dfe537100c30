#!/usr/bin/env bash
# Formats the whole codebase in one go: xo's automatic fixes, then Prettier (last, so its layout
# wins), then the same check `npm test` runs. Run once after merging, and commit the result alone.
set -euo pipefail
cd "$(dirname "$0")/.."
npx xo --fix >/dev/null || true
npx prettier --write --log-level warn .
npm run --silent lint
