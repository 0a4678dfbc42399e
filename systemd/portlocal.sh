#!/bin/sh
# /usr/bin/portlocal: runs portlocal's jar with the system's Java (17 or later). JAVA_HOME and JAVA_OPTS apply.
set -e
JAVA=java
if [ -n "$JAVA_HOME" ]; then
    JAVA="$JAVA_HOME/bin/java"
fi
# shellcheck disable=SC2086 # JAVA_OPTS is a list of words
exec "$JAVA" $JAVA_OPTS -jar /usr/share/portlocal/portlocal.jar "$@"
