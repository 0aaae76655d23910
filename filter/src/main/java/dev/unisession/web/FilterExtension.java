package dev.unisession.web;

import jakarta.servlet.http.HttpServletRequest;
import java.util.List;

/**
 * What an integration module (such as unisession's CDI module) adds to the filter. Implementations are found with
 * {@link java.util.ServiceLoader} through the web application's class loader
 * ({@code META-INF/services/dev.unisession.web.FilterExtension}) when the filter starts.
 */
public interface FilterExtension {

    /**
     * Class patterns the integration's own values put into sessions (as in {@code unisession.codec.allow}), e.g.
     * a CDI container's wrappers of session-scoped beans.
     */
    default List<String> allowedClasses() {
        return List.of();
    }

    /**
     * Called once per request, after the filter wrapped it and before the application sees it, so that the
     * integration can bind its request state (a CDI session context) to the wrapped request.
     */
    default void requestWrapped(HttpServletRequest original, HttpServletRequest wrapped) {}
}
