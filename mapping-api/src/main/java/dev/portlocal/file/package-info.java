/**
 * The mapping file: strict parsing and validation of YAML or JSON into endpoints, and a watcher that delivers
 * each changed, valid version.
 *
 * <p>Threading: {@link dev.portlocal.file.MappingFileParser} is immutable and thread-safe;
 * {@link dev.portlocal.file.MappingFileWatcher} calls its callbacks from its own single daemon thread (and from
 * the caller of {@code start()} for the first version).
 */
package dev.portlocal.file;
