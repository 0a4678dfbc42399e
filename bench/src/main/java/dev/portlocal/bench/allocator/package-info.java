/**
 * JMH benchmarks of {@code dev.portlocal.allocator}.
 *
 * <p>Threading: each benchmark state is used by one JMH thread ({@code Scope.Thread}), as the allocator is confined
 * to one thread in the daemon.
 */
package dev.portlocal.bench.allocator;
