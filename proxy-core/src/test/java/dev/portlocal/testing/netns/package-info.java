/**
 * Test hosts as network namespaces: an {@code lb} namespace, node namespaces on one bridge and pod namespaces behind
 * each node on their own veth pairs, in 198.18.0.0/15 only, with nothing routed out of them; the plan is pure data,
 * a {@link dev.portlocal.testing.netns.Topology} builds it with {@code ip} and removes it, and a
 * {@link dev.portlocal.testing.netns.NetnsAgent} runs in a namespace to connect, serve and fetch from there.
 *
 * <p>Threading: plans and tables are immutable; a {@code Topology} and an {@code AgentClient} are used from one
 * thread at a time (the test's).
 */
package dev.portlocal.testing.netns;
