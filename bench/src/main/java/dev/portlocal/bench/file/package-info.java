/**
 * JMH benchmarks of {@code dev.portlocal.file}, and the generator of the large mapping files they parse.
 *
 * <p>Threading: each benchmark state is used by one JMH thread ({@code Scope.Thread}).
 */
package dev.portlocal.bench.file;
