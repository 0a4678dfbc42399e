/**
 * The log backend's setup: logback, configured in code (no XML), writing one logfmt line (or one JSON object) per
 * event to stderr, in the journal's format under systemd. Code logs through SLF4J's fluent API: the message is the
 * event name and the data are key-value pairs, which the layouts escape.
 *
 * <p>Threading: {@link dev.portlocal.logging.LogSetup} runs when logback starts and whenever the level or format
 * changes (at start and on reload); the layouts are called by logback on the logging thread and keep no state.
 */
package dev.portlocal.logging;
