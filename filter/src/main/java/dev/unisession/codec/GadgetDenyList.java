package dev.unisession.codec;

import java.util.List;
import java.util.Set;

/**
 * Classes that are never stored or read, whatever a profile or {@code unisession.codec.allow} says: the building
 * blocks of the public deserialization gadget chains (ysoserial's payloads and their relatives) that can sit on a
 * web application's class path. The allowlist already refuses them; this list keeps a broad pattern
 * ({@code org.springframework.**}) or a profile mistake from letting them back in.
 */
final class GadgetDenyList {

    /** Denied with all their nested classes. */
    private static final Set<String> CLASSES = Set.of(
            // JDK: proxies and their handlers, the usual triggers and sinks
            "java.lang.reflect.Proxy",
            "sun.reflect.annotation.AnnotationInvocationHandler",
            "java.rmi.server.RemoteObjectInvocationHandler",
            "java.rmi.server.UnicastRemoteObject",
            "java.rmi.server.RemoteObject",
            "java.rmi.activation.Activatable",
            "javax.management.BadAttributeValueExpException",
            "javax.management.openmbean.TabularDataSupport",
            "javax.management.openmbean.CompositeDataInvocationHandler",
            "javax.management.remote.rmi.RMIConnectionImpl_Stub",
            "javax.management.MBeanServerInvocationHandler",
            "com.sun.rowset.JdbcRowSetImpl",
            "com.sun.jndi.rmi.registry.ReferenceWrapper",
            "javax.naming.Reference",
            "javax.swing.UIDefaults",
            "javax.swing.UIDefaults$ProxyLazyValue",
            "javax.swing.event.EventListenerList",
            "java.beans.EventHandler",
            "java.util.logging.FileHandler",
            "com.sun.org.apache.xalan.internal.xsltc.trax.TemplatesImpl",
            "com.sun.org.apache.xalan.internal.xsltc.trax.TrAXFilter",
            "com.sun.org.apache.xpath.internal.objects.XString",
            "com.sun.corba.se.spi.orbutil.proxy.CompositeInvocationHandlerImpl",
            "jdk.nashorn.internal.objects.NativeString",
            // Xalan outside the JDK
            "org.apache.xalan.xsltc.trax.TemplatesImpl",
            "org.apache.xalan.xsltc.trax.TrAXFilter",
            // commons-collections 3 and 4 (CommonsCollections1-7)
            "org.apache.commons.collections.keyvalue.TiedMapEntry",
            "org.apache.commons.collections.map.LazyMap",
            "org.apache.commons.collections.map.TransformedMap",
            "org.apache.commons.collections.map.DefaultedMap",
            "org.apache.commons.collections.comparators.TransformingComparator",
            "org.apache.commons.collections.bag.TreeBag",
            "org.apache.commons.collections4.keyvalue.TiedMapEntry",
            "org.apache.commons.collections4.map.LazyMap",
            "org.apache.commons.collections4.map.TransformedMap",
            "org.apache.commons.collections4.map.DefaultedMap",
            "org.apache.commons.collections4.comparators.TransformingComparator",
            "org.apache.commons.collections4.bag.TreeBag",
            // commons-beanutils (CommonsBeanutils1), commons-fileupload, ROME, JSON-lib, Vaadin, Click, Wicket
            "org.apache.commons.beanutils.BeanComparator",
            "org.apache.commons.beanutils.BeanMap",
            "org.apache.commons.fileupload.disk.DiskFileItem",
            "org.apache.wicket.util.upload.DiskFileItem",
            "org.apache.click.control.Column$ColumnComparator",
            "com.sun.syndication.feed.impl.ObjectBean",
            "com.sun.syndication.feed.impl.ToStringBean",
            "com.sun.syndication.feed.impl.EqualsBean",
            "com.rometools.rome.feed.impl.ObjectBean",
            "com.rometools.rome.feed.impl.ToStringBean",
            "com.rometools.rome.feed.impl.EqualsBean",
            "net.sf.json.JSONObject",
            "com.vaadin.data.util.NestedMethodProperty",
            "com.vaadin.data.util.PropertysetItem",
            // Groovy (Groovy1)
            "org.codehaus.groovy.runtime.ConvertedClosure",
            "org.codehaus.groovy.runtime.ConversionHandler",
            "org.codehaus.groovy.runtime.MethodClosure",
            "groovy.util.Expando",
            "groovy.lang.Closure",
            // Spring (Spring1, Spring2, and the JNDI/JTA marshalsec chains)
            "org.springframework.core.SerializableTypeWrapper",
            "org.springframework.beans.factory.support.AutowireUtils$ObjectFactoryDelegatingInvocationHandler",
            "org.springframework.beans.factory.config.ObjectFactoryCreatingFactoryBean",
            "org.springframework.beans.factory.config.ObjectFactoryCreatingFactoryBean$TargetBeanObjectFactory",
            "org.springframework.beans.factory.config.PropertyPathFactoryBean",
            "org.springframework.beans.factory.support.DefaultListableBeanFactory",
            "org.springframework.beans.factory.support.DefaultListableBeanFactory$SerializedBeanFactoryReference",
            "org.springframework.aop.framework.JdkDynamicAopProxy",
            "org.springframework.aop.framework.ObjenesisCglibAopProxy",
            "org.springframework.aop.framework.CglibAopProxy",
            "org.springframework.aop.framework.AdvisedSupport",
            "org.springframework.aop.framework.ProxyFactory",
            "org.springframework.aop.target.SingletonTargetSource",
            "org.springframework.aop.target.HotSwappableTargetSource",
            "org.springframework.aop.support.DefaultBeanFactoryPointcutAdvisor",
            "org.springframework.aop.aspectj.AbstractAspectJAdvice",
            "org.springframework.aop.aspectj.AspectJAroundAdvice",
            "org.springframework.aop.aspectj.annotation.BeanFactoryAspectInstanceFactory",
            "org.springframework.jndi.support.SimpleJndiBeanFactory",
            "org.springframework.transaction.jta.JtaTransactionManager",
            // Hibernate, JBoss and Weld interceptors, c3p0, Myfaces, Jython, BeanShell, Clojure, Rhino, Wicket
            "org.hibernate.engine.spi.TypedValue",
            "org.hibernate.tuple.component.AbstractComponentTuplizer",
            "org.hibernate.tuple.component.PojoComponentTuplizer",
            "org.hibernate.property.access.spi.GetterMethodImpl",
            "org.hibernate.property.BasicPropertyAccessor$BasicGetter",
            "org.jboss.interceptor.proxy.InterceptorMethodHandler",
            "org.jboss.weld.interceptor.proxy.InterceptorMethodHandler",
            "com.mchange.v2.c3p0.PoolBackedDataSource",
            "com.mchange.v2.c3p0.impl.PoolBackedDataSourceBase",
            "com.mchange.v2.naming.ReferenceIndirector$ReferenceSerialized",
            "org.apache.myfaces.view.facelets.el.ValueExpressionMethodExpression",
            "org.python.core.PyFunction",
            "org.python.core.PyMethod",
            "bsh.XThis",
            "bsh.XThis$Handler",
            "clojure.lang.PersistentArrayMap",
            "org.mozilla.javascript.NativeError",
            "org.mozilla.javascript.NativeJavaObject",
            "org.mozilla.javascript.MemberBox",
            "org.mozilla.javascript.tools.shell.Environment",
            "com.alibaba.fastjson.JSONArray",
            "com.fasterxml.jackson.databind.node.POJONode");

    /** Denied with everything inside them (class name prefixes). */
    private static final List<String> PREFIXES = List.of(
            "org.apache.commons.collections.functors.",
            "org.apache.commons.collections4.functors.",
            "org.codehaus.groovy.runtime.",
            "org.springframework.core.SerializableTypeWrapper$",
            "org.springframework.aop.framework.",
            "org.springframework.aop.target.",
            "org.springframework.beans.factory.",
            "org.springframework.jndi.",
            "com.sun.org.apache.xalan.internal.xsltc.",
            "org.apache.xalan.xsltc.",
            "com.sun.jndi.",
            "sun.rmi.",
            "java.rmi.",
            "javax.management.",
            "com.sun.corba.",
            "jdk.nashorn.",
            "org.mozilla.javascript.",
            "clojure.",
            "bsh.",
            "org.python.core.",
            "org.hibernate.tuple.",
            "com.mchange.v2.c3p0.",
            "javax.naming.",
            "jdk.proxy",
            "com.sun.proxy.");

    private GadgetDenyList() {}

    /** Whether this class name is a known gadget building block (or a nested class of one). */
    static boolean denies(String className) {
        if (CLASSES.contains(className)) return true;
        int nested = className.indexOf('$');
        if (nested > 0 && CLASSES.contains(className.substring(0, nested))) return true;
        for (String p : PREFIXES) if (className.startsWith(p)) return true;
        return false;
    }
}
