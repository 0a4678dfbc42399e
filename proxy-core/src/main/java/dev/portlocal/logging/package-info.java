/**
 * The log backend's setup: logback, configured in code (no XML), writing one key=value line per event to stderr,
 * in the journal's format under systemd.
 *
 * <p>Threading: {@link dev.portlocal.logging.LogSetup} runs when logback starts and whenever the level changes (at
 * start and on reload); the layout is called by logback on the logging thread and keeps no state.
 */
package dev.portlocal.logging;
