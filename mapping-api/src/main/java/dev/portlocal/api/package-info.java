/**
 * The HTTP mapping API: a Netty HTTP/1.1 server over TCP or a unix socket, JSON through Jackson, and a small client
 * for the CLI. Handlers are thin: routing, validation and JSON live in plain classes ({@link
 * dev.portlocal.api.ApiRoutes}, {@link dev.portlocal.api.EndpointBodyParser}) that are tested without a channel.
 *
 * <p>Threading: the server runs on its own one-thread event loop group, never the data plane's loops. Every call
 * into the {@link dev.portlocal.control.MappingService} is handed to one control executor, since opening a node
 * port blocks on the data plane's loops; the response is written when that call completes.
 */
package dev.portlocal.api;
