/**
 * Spring Boot auto-configuration: registers the filter, feeds it the {@code unisession.*} properties of the
 * Spring {@code Environment}, and exposes the session manager, health and meters as beans.
 */
package dev.unisession.spring;
