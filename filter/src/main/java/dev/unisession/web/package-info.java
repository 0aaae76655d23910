/**
 * The servlet layer: the filter that swaps the container's {@code HttpSession} for the unified one, its
 * initializer (a jar in {@code WEB-INF/lib} registers it), the cookie, the request's session state, the listener
 * bridge to the application's {@code HttpSession*Listener}s and the health endpoint. Talks to {@code core} and
 * builds the parts through {@code boot}; never to a concrete store.
 */
package dev.unisession.web;
