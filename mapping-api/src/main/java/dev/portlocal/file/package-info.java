/**
 * The mapping file: strict parsing and validation of YAML or JSON into endpoints, and its one reader, a watcher
 * that loads the first version, delivers each changed one and re-reads on demand.
 *
 * <p>Threading: {@link dev.portlocal.file.MappingFileParser} is immutable and thread-safe;
 * {@link dev.portlocal.file.MappingFileWatcher} detects changes on its own daemon thread and calls its callbacks on
 * the executor it is given (by default that thread); {@code load()} reads on the caller's thread.
 */
package dev.portlocal.file;
