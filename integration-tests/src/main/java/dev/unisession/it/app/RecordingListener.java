package dev.unisession.it.app;

import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpSessionAttributeListener;
import jakarta.servlet.http.HttpSessionBindingEvent;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionIdListener;
import jakarta.servlet.http.HttpSessionListener;
import java.util.Collections;
import java.util.TreeMap;

/** Records every session event as "tag event detail"; sessionDestroyed also records the attributes it can read. */
public abstract class RecordingListener
        implements HttpSessionListener, HttpSessionAttributeListener, HttpSessionIdListener {

    private final String tag;

    protected RecordingListener(String tag) {
        this.tag = tag;
    }

    @Override
    public void sessionCreated(HttpSessionEvent se) {
        EventLog.add(tag + " created " + se.getSession().getId());
    }

    @Override
    public void sessionDestroyed(HttpSessionEvent se) {
        HttpSession s = se.getSession();
        TreeMap<String, Object> attrs = new TreeMap<>();
        for (String n : Collections.list(s.getAttributeNames())) attrs.put(n, s.getAttribute(n));
        EventLog.add(tag + " destroyed " + s.getId() + " " + attrs);
    }

    @Override
    public void attributeAdded(HttpSessionBindingEvent e) {
        EventLog.add(tag + " added " + e.getName() + "=" + e.getValue());
    }

    @Override
    public void attributeRemoved(HttpSessionBindingEvent e) {
        EventLog.add(tag + " removed " + e.getName() + "=" + e.getValue());
    }

    @Override
    public void attributeReplaced(HttpSessionBindingEvent e) {
        EventLog.add(tag + " replaced " + e.getName() + "=" + e.getValue() + "->"
                + e.getSession().getAttribute(e.getName()));
    }

    @Override
    public void sessionIdChanged(HttpSessionEvent se, String oldId) {
        EventLog.add(tag + " idChanged " + oldId + "->" + se.getSession().getId());
    }
}
