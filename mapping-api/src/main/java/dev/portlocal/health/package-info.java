/**
 * Active health checks of TCP endpoints: a TCP connect every interval, counted to rise and fall as a load
 * balancer's checks are. JDK only; the results reach the mapping service on the control thread.
 */
package dev.portlocal.health;
