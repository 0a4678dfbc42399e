/**
 * The endpoint model: immutable, self-validating records that describe what should be exposed on this node.
 *
 * <p>Threading: every type here is immutable and safe to share between threads. Nothing in this package may
 * import {@code io.netty}; the build enforces it.
 */
package dev.portlocal.model;
