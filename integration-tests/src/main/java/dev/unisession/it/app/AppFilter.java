package dev.unisession.it.app;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;

/** An application filter declared in web.xml; reports which session class it sees (it must be ours). */
public class AppFilter implements Filter {
    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        HttpSession s = ((HttpServletRequest) req).getSession(false);
        ((HttpServletResponse) res)
                .setHeader(
                        "X-App-Filter-Session",
                        s == null ? "none" : s.getClass().getName());
        chain.doFilter(req, res);
    }
}
