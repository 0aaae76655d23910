package dev.unisession.codec;

import java.io.ObjectInputFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The classes session values may hold ({@link AttributeCodec}'s allowlist): JDK value types, the application's own
 * classes, those of the active framework profiles and the configured patterns; never a known deserialization
 * gadget or a proxy. Each class is decided once.
 */
final class ClassAllowlist {

    private static final System.Logger LOG = System.getLogger(AttributeCodec.class.getName());

    private final Predicate<String> appClass;
    private final ObjectInputFilter allowPatterns;
    private final Set<String> profileClasses;
    private final AttributeCodec.Mode mode;
    private final Map<Class<?>, Boolean> decisions = new ConcurrentHashMap<>();

    /** @param appClass true for class names the webapp itself defines */
    ClassAllowlist(Predicate<String> appClass, AttributeCodec.Policy policy) {
        this.appClass = appClass;
        this.mode = policy.mode();
        Set<String> fromProfiles = new java.util.HashSet<>();
        for (FrameworkProfile p : policy.profiles()) fromProfiles.addAll(p.classes());
        this.profileClasses = Set.copyOf(fromProfiles);
        List<String> patterns = new ArrayList<>(List.of(JDK_DEFAULTS));
        for (String p : policy.allow()) {
            if (p.startsWith("!") || p.contains("=") || p.contains("/")) {
                throw new IllegalArgumentException(
                        "Invalid value for " + AttributeCodec.setting(AttributeCodec.ALLOW_SETTING) + ": '" + p
                                + "' (only class patterns such as com.acme.** are allowed)");
            }
            patterns.add(p);
        }
        this.allowPatterns = ObjectInputFilter.Config.createFilter(String.join(";", patterns));
    }

    /** JDK types that are safe to deserialize. Patterns in {@link ObjectInputFilter.Config#createFilter} syntax. */
    static final String JDK_DEFAULTS = String.join(
            ";",
            "java.lang.String",
            "java.lang.Boolean",
            "java.lang.Byte",
            "java.lang.Character",
            "java.lang.Short",
            "java.lang.Integer",
            "java.lang.Long",
            "java.lang.Float",
            "java.lang.Double",
            "java.lang.Number",
            "java.lang.Enum",
            "java.lang.Object",
            "java.math.BigInteger",
            "java.math.BigDecimal",
            "java.net.URI",
            "java.time.**",
            "java.util.*",
            "java.util.concurrent.*",
            "java.util.concurrent.atomic.*");

    /** Whether values of this class may be stored and read. */
    boolean isAllowed(Class<?> type) {
        Class<?> c = type;
        while (c.isArray()) c = c.getComponentType();
        if (c.isPrimitive()) return true;
        return decisions.computeIfAbsent(c, this::decide);
    }

    private boolean decide(Class<?> c) {
        if (isGadget(c)) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "unisession refused class {0} in a session attribute: a known "
                            + "deserialization gadget, which no setting allows",
                    c.getName());
            return false;
        }
        if (allowPatterns.checkInput(new ClassOnly(c)) == ObjectInputFilter.Status.ALLOWED
                || profileClasses.contains(c.getName())
                || (c.getClassLoader() != null && appClass.test(c.getName()))) {
            return true;
        }
        if (mode == AttributeCodec.Mode.REPORT) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "unisession {0}=report: class {1} is not allowed in sessions but "
                            + "was let through; to allow it add it to {2}",
                    AttributeCodec.setting(AttributeCodec.MODE_SETTING),
                    c.getName(),
                    AttributeCodec.setting(AttributeCodec.ALLOW_SETTING));
            return true;
        }
        LOG.log(
                System.Logger.Level.WARNING,
                "unisession refused class {0} in a session attribute: not a JDK value "
                        + "type, not the application''s own, not in an active profile nor {1}",
                c.getName(),
                AttributeCodec.setting(AttributeCodec.ALLOW_SETTING));
        return false;
    }

    /** A proxy class, or a class that is or extends one on the deny list. */
    static boolean isGadget(Class<?> c) {
        if (java.lang.reflect.Proxy.isProxyClass(c)) return true;
        for (Class<?> k = c; k != null; k = k.getSuperclass()) {
            if (GadgetDenyList.denies(k.getName())) return true;
        }
        return false;
    }

    static String suggestPattern(String className) {
        int dot = className.lastIndexOf('.');
        return dot < 0 ? className : className.substring(0, dot) + ".**";
    }

    /** A class-only FilterInfo, to ask the pattern filter about one class. */
    private record ClassOnly(Class<?> serialClass) implements ObjectInputFilter.FilterInfo {
        public long arrayLength() {
            return -1;
        }

        public long depth() {
            return 1;
        }

        public long references() {
            return 0;
        }

        public long streamBytes() {
            return 0;
        }
    }
}
