package dev.unisession.bench;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;

/**
 * The floor of every session filter: wraps the request and the response and does nothing else. The bench's
 * {@code wrap} setup (container sessions behind this filter) shows what a filter costs the container before it
 * does any work, so the unisession rows can be read against it.
 */
public final class PassThroughFilter extends HttpFilter {

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        chain.doFilter(new HttpServletRequestWrapper(req), new HttpServletResponseWrapper(res));
    }
}
