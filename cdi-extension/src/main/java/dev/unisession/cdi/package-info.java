/**
 * CDI integration for Jakarta EE applications: producers of the session manager and metrics, session events as
 * CDI events, validators as beans, and the binding that keeps Weld's {@code @SessionScoped} beans in the unified
 * session.
 */
package dev.unisession.cdi;
