#!/usr/bin/env bash
# Reaps a lab whose owner dies without stopping it (a crashed or killed test run): waits until OWNER_PID is
# gone (or a zombie), then becomes the reaper command. Usage: watchdog.sh OWNER_PID COMMAND [ARG]...
set -u
owner=$1
shift
while read -r stat 2>/dev/null <"/proc/$owner/stat"; do
  rest=${stat##*) }
  [ "${rest%% *}" = Z ] && break
  sleep 1
done
exec "$@"
