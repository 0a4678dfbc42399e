#!/bin/sh
# /usr/bin/portlocal: runs portlocal's jar with the system's Java (17 or later), with the JVM options of
# /usr/share/portlocal/jvm.options. JAVA_HOME and JAVA_OPTS apply; JAVA_OPTS comes later, so it wins.
#
# Every command runs with the C1 compiler only (jvm.options: the daemon's footprint, the CLI's start time). A client
# command (anything but run) is a short-lived JVM that must start fast: it also gets, where postinst made one, the
# class-data sharing archive of the CLI's classes (about a third of the start time on 2 cores; see
# docs/operations.md). A stale archive (another Java) is ignored by the JVM without a word.
set -e
JAVA=java
if [ -n "$JAVA_HOME" ]; then
    JAVA="$JAVA_HOME/bin/java"
fi
OPTIONS=/usr/share/portlocal/jvm.options
# How the CLI names itself in the commands it prints (the demo's "Try it" lines).
PORTLOCAL_COMMAND=portlocal
export PORTLOCAL_COMMAND
CDS=/var/cache/portlocal/cli.jsa
CLIENT=
case "${1:-}" in
    run) ;;
    *)
        if [ -r "$CDS" ]; then
            CLIENT="-XX:SharedArchiveFile=$CDS"
        fi
        ;;
esac
if [ -r "$OPTIONS" ]; then
    # shellcheck disable=SC2086 # CLIENT and JAVA_OPTS are lists of words
    exec "$JAVA" "@$OPTIONS" $CLIENT $JAVA_OPTS -jar /usr/share/portlocal/portlocal.jar "$@"
fi
# shellcheck disable=SC2086
exec "$JAVA" $CLIENT $JAVA_OPTS -jar /usr/share/portlocal/portlocal.jar "$@"
