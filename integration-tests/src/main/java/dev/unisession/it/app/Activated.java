package dev.unisession.it.app;

import jakarta.servlet.http.HttpSessionActivationListener;
import jakarta.servlet.http.HttpSessionEvent;
import java.io.Serializable;

/** A session value that wants to know when it is written to the store and read back. */
public class Activated implements HttpSessionActivationListener, Serializable {
    private static final long serialVersionUID = 1L;
    private final String label;

    public Activated(String label) {
        this.label = label;
    }

    @Override
    public void sessionWillPassivate(HttpSessionEvent se) {
        EventLog.add("activation willPassivate " + se.getSession().getId() + " " + label);
    }

    @Override
    public void sessionDidActivate(HttpSessionEvent se) {
        EventLog.add("activation didActivate " + se.getSession().getId() + " " + label);
    }

    @Override
    public String toString() {
        return "Activated(" + label + ")";
    }
}
