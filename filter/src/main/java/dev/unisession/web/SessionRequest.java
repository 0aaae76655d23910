package dev.unisession.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpSession;

/** The request the application sees: its sessions are unified sessions; the container's are never created. */
final class SessionRequest extends HttpServletRequestWrapper {

    private final RequestSession state;

    SessionRequest(HttpServletRequest request, RequestSession state) {
        super(request);
        this.state = state;
    }

    @Override
    public HttpSession getSession(boolean create) {
        return state.getSession(create);
    }

    @Override
    public HttpSession getSession() {
        return state.getSession(true);
    }

    @Override
    public String changeSessionId() {
        return state.changeSessionId();
    }

    @Override
    public String getRequestedSessionId() {
        return state.requestedSessionId();
    }

    @Override
    public boolean isRequestedSessionIdValid() {
        return state.isRequestedSessionIdValid();
    }

    @Override
    public boolean isRequestedSessionIdFromCookie() {
        return state.hadCookie();
    }

    @Override
    public boolean isRequestedSessionIdFromURL() {
        return false;
    }
}
