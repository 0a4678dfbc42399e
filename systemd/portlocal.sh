#!/bin/sh
# /usr/bin/portlocal: runs portlocal's jar with the system's Java (17 or later), with the JVM options of
# /usr/share/portlocal/jvm.options. JAVA_HOME and JAVA_OPTS apply; JAVA_OPTS comes later, so it wins.
set -e
JAVA=java
if [ -n "$JAVA_HOME" ]; then
    JAVA="$JAVA_HOME/bin/java"
fi
OPTIONS=/usr/share/portlocal/jvm.options
# How the CLI names itself in the commands it prints (the demo's "Try it" lines).
PORTLOCAL_COMMAND=portlocal
export PORTLOCAL_COMMAND
if [ -r "$OPTIONS" ]; then
    # shellcheck disable=SC2086 # JAVA_OPTS is a list of words
    exec "$JAVA" "@$OPTIONS" $JAVA_OPTS -jar /usr/share/portlocal/portlocal.jar "$@"
fi
# shellcheck disable=SC2086
exec "$JAVA" $JAVA_OPTS -jar /usr/share/portlocal/portlocal.jar "$@"
