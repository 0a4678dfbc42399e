/**
 * A stand-in for the Kubernetes API server in tests: fabric8's CRUD mock server, with the dispatcher corrected
 * where it differs from a real API server in ways the Kubernetes source depends on.
 *
 * <p>Threading: the dispatcher is called on the mock server's threads; its own state is thread-safe.
 */
package dev.portlocal.kubernetes.testing;
