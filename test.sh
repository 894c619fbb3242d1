#!/usr/bin/env bash
# Lepton's test command: restores, builds and runs every test project in the solution.
# Tests that need a system package (chromium for the dashboard test, PostgreSQL for the store tests)
# find it on PATH; `.ci/run` installs them on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")"
dotnet build Lepton.slnx -c Release
dotnet test Lepton.slnx -c Release --no-build --logger "console;verbosity=minimal" "$@"
