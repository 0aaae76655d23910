package dev.unisession.it.app;

import jakarta.servlet.http.HttpSessionBindingEvent;
import jakarta.servlet.http.HttpSessionBindingListener;
import java.io.Serializable;

/** A session value that wants to know when it is bound and unbound. */
public class Bound implements HttpSessionBindingListener, Serializable {
    private static final long serialVersionUID = 1L;
    private final String label;

    public Bound(String label) {
        this.label = label;
    }

    @Override
    public void valueBound(HttpSessionBindingEvent event) {
        EventLog.add("bound valueBound " + event.getName() + "=" + label);
    }

    @Override
    public void valueUnbound(HttpSessionBindingEvent event) {
        EventLog.add("bound valueUnbound " + event.getName() + "=" + label);
    }

    @Override
    public String toString() {
        return "Bound(" + label + ")";
    }
}
