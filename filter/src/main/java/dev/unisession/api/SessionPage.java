package dev.unisession.api;

import java.util.List;

/**
 * One page of {@link SessionManager#list}: pass {@link #next()} to get the following page; null after the last.
 *
 * <pre>{@code
 * String cursor = null;
 * do {
 *     SessionPage page = manager.list(cursor, 100, Duration.ZERO);
 *     page.sessions().forEach(s -> System.out.println(s.id()));
 *     cursor = page.next();
 * } while (cursor != null);
 * }</pre>
 */
public record SessionPage(List<SessionInfo> sessions, String next) {}
