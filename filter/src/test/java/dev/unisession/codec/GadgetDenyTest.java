package dev.unisession.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.core.ActiveSession;
import dev.unisession.store.MemoryStore;
import dev.unisession.testing.Deltas;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * With the framework profiles on and allow patterns broad enough to cover them, the building blocks of the public
 * gadget chains (ysoserial's CommonsCollections1-7, Groovy1, Spring1/2, Jdk7u21, the JNDI/RMI ones) are refused,
 * both when an application sets them and when their bytes are put straight into the store and read back.
 * Without the deny list the broad patterns would let every one of them through (this test then fails).
 */
class GadgetDenyTest {

    private static final ClassLoader LOADER = GadgetDenyTest.class.getClassLoader();

    /** Gadget classes present on this class path (the libraries are test dependencies, as on a real WAR's). */
    static final List<String> GADGETS = List.of(
            "org.apache.commons.collections.functors.InvokerTransformer",
            "org.apache.commons.collections.functors.ChainedTransformer",
            "org.apache.commons.collections.functors.ConstantTransformer",
            "org.apache.commons.collections.functors.InstantiateTransformer",
            "org.apache.commons.collections.functors.InstantiateFactory",
            "org.apache.commons.collections.functors.FactoryTransformer",
            "org.apache.commons.collections.map.LazyMap", // CommonsCollections1, 5, 6, 7
            "org.apache.commons.collections.keyvalue.TiedMapEntry", // 5, 6
            "org.apache.commons.collections.map.TransformedMap", // 1 (the variant without LazyMap)
            "org.apache.commons.collections.comparators.TransformingComparator", // 2, 4 on version 3
            "org.apache.commons.collections.map.DefaultedMap",
            "org.apache.commons.collections.bag.TreeBag",
            "org.apache.commons.collections4.functors.InvokerTransformer",
            "org.apache.commons.collections4.functors.ChainedTransformer",
            "org.apache.commons.collections4.functors.ConstantTransformer",
            "org.apache.commons.collections4.functors.InstantiateTransformer",
            "org.apache.commons.collections4.comparators.TransformingComparator",
            "org.apache.commons.collections4.keyvalue.TiedMapEntry",
            "org.apache.commons.collections4.map.LazyMap",
            "org.apache.commons.collections4.bag.TreeBag",
            "org.codehaus.groovy.runtime.ConvertedClosure",
            "org.codehaus.groovy.runtime.MethodClosure",
            "org.codehaus.groovy.runtime.ConversionHandler",
            "groovy.lang.Closure",
            "org.springframework.core.SerializableTypeWrapper$MethodInvokeTypeProvider",
            "org.springframework.core.SerializableTypeWrapper$TypeProxyInvocationHandler",
            "org.springframework.core.SerializableTypeWrapper$FieldTypeProvider",
            "org.springframework.core.SerializableTypeWrapper$MethodParameterTypeProvider",
            "org.springframework.beans.factory.support.AutowireUtils$ObjectFactoryDelegatingInvocationHandler",
            "org.springframework.beans.factory.support.DefaultListableBeanFactory",
            "org.springframework.beans.factory.config.PropertyPathFactoryBean",
            "org.springframework.aop.framework.JdkDynamicAopProxy",
            "org.springframework.aop.framework.AdvisedSupport",
            "org.springframework.aop.target.SingletonTargetSource",
            "org.springframework.aop.support.DefaultBeanFactoryPointcutAdvisor",
            "org.springframework.jndi.support.SimpleJndiBeanFactory",
            "java.lang.reflect.Proxy",
            "sun.reflect.annotation.AnnotationInvocationHandler",
            "com.sun.org.apache.xalan.internal.xsltc.trax.TemplatesImpl",
            "com.sun.org.apache.xalan.internal.xsltc.trax.TrAXFilter",
            "javax.management.BadAttributeValueExpException",
            "java.rmi.server.RemoteObjectInvocationHandler",
            "java.rmi.server.UnicastRemoteObject",
            "com.sun.rowset.JdbcRowSetImpl",
            "javax.naming.Reference");

    /** Patterns broad enough to cover every gadget above: only the deny list stands between them and the store. */
    static final List<String> BROAD = List.of(
            "org.apache.commons.collections.**",
            "org.apache.commons.collections4.**",
            "org.codehaus.groovy.**",
            "groovy.**",
            "org.springframework.**",
            "java.lang.reflect.*",
            "sun.reflect.annotation.*",
            "com.sun.org.apache.xalan.**",
            "javax.management.**",
            "java.rmi.**",
            "com.sun.rowset.*",
            "javax.naming.*");

    private final AttributeCodec codec = new AttributeCodec(
            LOADER,
            n -> true,
            new AttributeCodec.Policy(BROAD, FrameworkProfile.BUILT_IN, AttributeCodec.Mode.ENFORCE),
            1 << 20,
            4 << 20);

    @Test
    void everyGadgetClassIsRefusedWhateverPatternCoversIt() throws Exception {
        List<String> allowed = new ArrayList<>();
        for (String name : GADGETS) {
            if (codec.isAllowed(Class.forName(name, false, LOADER))) allowed.add(name);
        }
        assertEquals(List.of(), allowed, "gadget classes allowed");
    }

    @Test
    void gadgetBytesPutStraightIntoTheStoreAreNotReadBack() throws Exception {
        MemoryStore store = new MemoryStore();
        long now = System.currentTimeMillis();
        Map<String, byte[]> attributes = new LinkedHashMap<>();
        attributes.put("fine", codec.encode("fine", "still readable"));
        for (String name : GADGETS) attributes.put(name, forged(name));
        for (Map.Entry<String, Object> e : realGadgets().entrySet()) {
            attributes.put("real " + e.getKey(), serialized(e.getValue()));
        }
        store.save(Deltas.create("s1").at(now).set(attributes).build());

        ActiveSession session = ActiveSession.of(codec, store.load("s1"), now);
        assertEquals("still readable", session.getAttribute("fine"));
        List<String> notRejected = new ArrayList<>();
        for (String name : attributes.keySet()) {
            if (name.equals("fine")) continue;
            assertNull(session.getAttribute(name), name);
            AttributeDecodeException e =
                    assertThrows(AttributeDecodeException.class, () -> codec.decode(attributes.get(name)), name);
            // refused by the filter, not merely unreadable (a missing class or a serialVersionUID mismatch)
            if (!e.getMessage().contains("REJECTED") && !e.getMessage().contains("dynamic prox")) {
                notRejected.add(name + ": " + e.getMessage());
            }
        }
        assertEquals(List.of(), notRejected, "gadget bytes not rejected by the filter");
    }

    @Test
    void realGadgetObjectsAreRefusedWhenSet() throws Exception {
        for (Map.Entry<String, Object> e : realGadgets().entrySet()) {
            IllegalArgumentException refused = assertThrows(
                    IllegalArgumentException.class, () -> codec.encode("payload", e.getValue()), e.getKey());
            assertTrue(
                    refused.getMessage().contains("gadget")
                            || refused.getMessage().contains("dynamic proxy"),
                    e.getKey() + ": " + refused.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> codec.encode("p", proxy()));
    }

    @Test
    void noProfileOrSettingCanNameAGadget() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new FrameworkProfile(
                        "evil",
                        "java.lang.Object",
                        Set.of("org.apache.commons.collections.functors.InvokerTransformer")));
        for (FrameworkProfile p : FrameworkProfile.BUILT_IN) {
            for (String c : p.classes()) assertFalse(GadgetDenyList.denies(c), c);
        }
    }

    /** A plain JDK proxy over a serializable handler (Jdk7u21 and Groovy1 use proxies). */
    static Object proxy() {
        return Proxy.newProxyInstance(
                LOADER, new Class<?>[] {Map.class}, (java.lang.reflect.InvocationHandler & Serializable)
                        (p, m, a) -> null);
    }

    /** The chains as the payload generators build them, with harmless transformers. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static Map<String, Object> realGadgets() throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        System.setProperty("org.apache.commons.collections.enableUnsafeSerialization", "true");
        org.apache.commons.collections.Transformer chain =
                new org.apache.commons.collections.functors.ChainedTransformer(
                        new org.apache.commons.collections.Transformer[] {
                            new org.apache.commons.collections.functors.ConstantTransformer("x"),
                            new org.apache.commons.collections.functors.InvokerTransformer("toString", null, null)
                        });
        out.put("CommonsCollections chain", chain);
        Map lazy = org.apache.commons.collections.map.LazyMap.decorate(new HashMap(), chain);
        Set cc6 = new HashSet();
        cc6.add(new org.apache.commons.collections.keyvalue.TiedMapEntry(lazy, "k"));
        out.put("CommonsCollections6 HashSet+TiedMapEntry", cc6);
        PriorityQueue cc2 = new PriorityQueue(
                2,
                new org.apache.commons.collections4.comparators.TransformingComparator(
                        new org.apache.commons.collections4.functors.ConstantTransformer(1)));
        cc2.add(1);
        cc2.add(2);
        out.put("CommonsCollections2/4 PriorityQueue+TransformingComparator", cc2);
        groovy.lang.Closure closure = new org.codehaus.groovy.runtime.MethodClosure("text", "toString");
        out.put("Groovy MethodClosure", closure);
        out.put(
                "Groovy1 proxy+ConvertedClosure",
                Proxy.newProxyInstance(
                        LOADER,
                        new Class<?>[] {Map.class},
                        new org.codehaus.groovy.runtime.ConvertedClosure(closure, "entrySet")));
        org.springframework.aop.framework.ProxyFactory factory =
                new org.springframework.aop.framework.ProxyFactory(new HashMap<String, String>());
        factory.setInterfaces(Map.class);
        out.put("Spring2 JdkDynamicAopProxy", factory.getProxy());
        return out;
    }

    /** What a plain ObjectOutputStream writes, tagged as the codec's serialized values are. */
    static byte[] serialized(Object value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(1);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        return bytes.toByteArray();
    }

    /**
     * A serialized object of the named class with no field values, written by hand as an attacker would (the class
     * need not be serializable here): magic, version, TC_OBJECT, TC_CLASSDESC name uid flags 0 fields,
     * TC_ENDBLOCKDATA, TC_NULL superclass.
     */
    static byte[] forged(String className) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(1);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeShort(0xACED);
            out.writeShort(5);
            out.writeByte(0x73);
            out.writeByte(0x72);
            out.writeUTF(className);
            out.writeLong(1L);
            out.writeByte(0x02);
            out.writeShort(0);
            out.writeByte(0x78);
            out.writeByte(0x70);
        }
        return bytes.toByteArray();
    }
}
