/**
 * JMH benchmarks of {@code dev.portlocal.control}, with a data plane that binds nothing.
 *
 * <p>Threading: each benchmark state is used by one JMH thread ({@code Scope.Thread}); the service under test is
 * itself synchronized.
 */
package dev.portlocal.bench.control;
