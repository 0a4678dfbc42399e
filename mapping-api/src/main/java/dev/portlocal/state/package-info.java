/**
 * The state file: the node ports assigned so far, written atomically so that a restart gives every mapping its
 * previous port back.
 *
 * <p>Threading: {@link dev.portlocal.state.StateStore} is not thread-safe; only the reconciler calls it, under its
 * lock. {@link dev.portlocal.state.StateEntry} is immutable.
 */
package dev.portlocal.state;
