/**
 * The daemon's options, each described once ({@link dev.portlocal.config.DaemonOptions}), and what is derived from
 * that table: the config file's keys ({@link dev.portlocal.config.ConfigFile}) and the typed values of flags and
 * file merged ({@link dev.portlocal.config.OptionValues}); the CLI derives its flags from it too.
 *
 * <p>Threading: everything here is immutable and thread-safe; reading a config file happens on the caller's thread.
 */
package dev.portlocal.config;
