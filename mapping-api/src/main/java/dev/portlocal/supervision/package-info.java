/**
 * Supervision of the control plane's threads: a failure is logged at error, counted, and the work restarted with
 * exponential backoff; while it is down, readiness says so.
 */
package dev.portlocal.supervision;
