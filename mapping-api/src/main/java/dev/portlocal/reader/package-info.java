/**
 * One reader of an endpoint from a parsed tree (Jackson's {@code JsonNode}), shared by the mapping file and the HTTP
 * API so that both accept exactly the same endpoints with the same messages:
 * {@link dev.portlocal.reader.EndpointReader} and its tables of field readers, and
 * {@link dev.portlocal.reader.Problems}, which collects every problem (files) or stops at the first (the API).
 *
 * <p>Threading: an {@code EndpointReader} is immutable and thread-safe; a {@code Problems} belongs to one read on
 * one thread.
 */
package dev.portlocal.reader;
